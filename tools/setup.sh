#!/usr/bin/env bash
# Installs what building nasdiff needs on Debian/Ubuntu: the OpenCL loader and headers, PoCL (the CPU
# OpenCL driver the tests run the kernels on), and OpenBLAS (the CPU path's matrix products; its
# pthread build, which measured a little faster than its OpenMP build here, Benchmarks/RESULTS.md).
# Does nothing when they are present.
# The install can fail once with a transient dpkg error, so it is retried once.
set -uo pipefail
if [ -f /usr/include/CL/cl.h ] && ldconfig -p 2>/dev/null | grep -q 'libOpenCL.so\b' && ls /etc/OpenCL/vendors/*.icd >/dev/null 2>&1 \
   && ldconfig -p 2>/dev/null | grep -q 'libopenblas.so.0'; then
  exit 0
fi
packages="ocl-icd-opencl-dev opencl-headers pocl-opencl-icd libopenblas0-pthread"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
install() {
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $packages
}
echo "installing $packages" >&2
install >/tmp/nasdiff-apt.log 2>&1 || { echo "apt-get failed once; retrying" >&2; sleep 5; install >>/tmp/nasdiff-apt.log 2>&1; } || {
  echo "could not install $packages (log: /tmp/nasdiff-apt.log)" >&2; exit 1; }
