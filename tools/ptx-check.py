#!/usr/bin/env python3
"""Registers, spills and local memory of the GPU kernels, and whether their inline PTX assembles, on a
machine without a GPU: OpenCL C -> LLVM IR (the Swift toolchain's clang) -> PTX (LLVM's NVPTX back end,
through llvmlite) -> ptxas -v. NVIDIA's OpenCL compiler also lowers through LLVM (NVVM) to PTX and
ptxas, so the figures approximate the driver's: for the tensor-core GEMMs this gave 157/164/154
registers (nt/nn/tn) where the H100's driver reported 153/156/145.

  pip install llvmlite nvidia-cuda-nvcc-cu12        # LLVM with NVPTX; ptxas
  python3 tools/ptx-check.py Kernels/linear_tc.cl -D TC_BK=16 [--kernel REGEX] [--ptx out.ptx]

The OpenCL built-ins the kernels call (get_local_id, barrier, min, exp, ...) are supplied below as
NVVM intrinsics; add one to RUNTIME when clang leaves a new one undefined."""
import importlib.util, os, re, shutil, subprocess, sys, tempfile
import llvmlite.binding as llvm

RUNTIME = r'''
target triple = "nvptx64-nvidia-nvcl"
declare i32 @llvm.nvvm.read.ptx.sreg.tid.x()
declare i32 @llvm.nvvm.read.ptx.sreg.tid.y()
declare i32 @llvm.nvvm.read.ptx.sreg.tid.z()
declare i32 @llvm.nvvm.read.ptx.sreg.ctaid.x()
declare i32 @llvm.nvvm.read.ptx.sreg.ctaid.y()
declare i32 @llvm.nvvm.read.ptx.sreg.ctaid.z()
declare i32 @llvm.nvvm.read.ptx.sreg.ntid.x()
declare i32 @llvm.nvvm.read.ptx.sreg.ntid.y()
declare i32 @llvm.nvvm.read.ptx.sreg.ntid.z()
declare i32 @llvm.nvvm.read.ptx.sreg.nctaid.x()
declare i32 @llvm.nvvm.read.ptx.sreg.nctaid.y()
declare i32 @llvm.nvvm.read.ptx.sreg.nctaid.z()
declare void @llvm.nvvm.barrier0()
declare float @llvm.nvvm.ex2.approx.f(float)
declare float @llvm.maxnum.f32(float, float)
declare float @llvm.minnum.f32(float, float)
declare float @llvm.fabs.f32(float)
declare float @llvm.sqrt.f32(float)
declare float @llvm.fma.f32(float, float, float)
declare float @llvm.nvvm.lg2.approx.f(float)
'''
def sreg3(name, fn):
    return f'''
define linkonce_odr i64 @{fn}(i32 %d) alwaysinline {{
  %x = call i32 @llvm.nvvm.read.ptx.sreg.{name}.x()
  %y = call i32 @llvm.nvvm.read.ptx.sreg.{name}.y()
  %z = call i32 @llvm.nvvm.read.ptx.sreg.{name}.z()
  %is0 = icmp eq i32 %d, 0
  %is1 = icmp eq i32 %d, 1
  %a = select i1 %is1, i32 %y, i32 %z
  %b = select i1 %is0, i32 %x, i32 %a
  %r = zext i32 %b to i64
  ret i64 %r
}}'''
RUNTIME += sreg3('tid', '_Z12get_local_idj') + sreg3('ctaid', '_Z12get_group_idj') \
    + sreg3('ntid', '_Z14get_local_sizej') + sreg3('nctaid', '_Z14get_num_groupsj')
RUNTIME += r'''
define linkonce_odr i64 @_Z13get_global_idj(i32 %d) alwaysinline {
  %g = call i64 @_Z12get_group_idj(i32 %d)
  %s = call i64 @_Z14get_local_sizej(i32 %d)
  %l = call i64 @_Z12get_local_idj(i32 %d)
  %m = mul i64 %g, %s
  %r = add i64 %m, %l
  ret i64 %r
}
define linkonce_odr i32 @_Z3minii(i32 %a, i32 %b) alwaysinline { %c = icmp slt i32 %a, %b
  %r = select i1 %c, i32 %a, i32 %b
  ret i32 %r }
define linkonce_odr i32 @_Z3maxii(i32 %a, i32 %b) alwaysinline { %c = icmp sgt i32 %a, %b
  %r = select i1 %c, i32 %a, i32 %b
  ret i32 %r }
define linkonce_odr void @_Z7barrierj(i32 %f) alwaysinline { call void @llvm.nvvm.barrier0()
  ret void }
define linkonce_odr float @_Z4fmaxff(float %a, float %b) alwaysinline { %r = call float @llvm.maxnum.f32(float %a, float %b)
  ret float %r }
define linkonce_odr float @_Z4fminff(float %a, float %b) alwaysinline { %r = call float @llvm.minnum.f32(float %a, float %b)
  ret float %r }
define linkonce_odr float @_Z4fabsf(float %a) alwaysinline { %r = call float @llvm.fabs.f32(float %a)
  ret float %r }
define linkonce_odr float @_Z4sqrtf(float %a) alwaysinline { %r = call float @llvm.sqrt.f32(float %a)
  ret float %r }
define linkonce_odr float @_Z3fmafff(float %a, float %b, float %c) alwaysinline { %r = call float @llvm.fma.f32(float %a, float %b, float %c)
  ret float %r }
define linkonce_odr float @_Z3madfff(float %a, float %b, float %c) alwaysinline { %r = call float @llvm.fma.f32(float %a, float %b, float %c)
  ret float %r }
define linkonce_odr float @_Z5rsqrtf(float %a) alwaysinline { %s = call float @llvm.sqrt.f32(float %a)
  %r = fdiv float 1.0, %s
  ret float %r }
define linkonce_odr float @_Z3logf(float %a) alwaysinline { %l = call float @llvm.nvvm.lg2.approx.f(float %a)
  %r = fmul float %l, 0x3FE62E4300000000
  ret float %r }
define linkonce_odr float @_Z3expf(float %a) alwaysinline { %s = fmul float %a, 0x3FF7154760000000
  %r = call float @llvm.nvvm.ex2.approx.f(float %s)
  ret float %r }
'''

def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument('file'); ap.add_argument('-D', action='append', default=[], help='a build option NAME=VALUE')
    ap.add_argument('--arch', default='sm_90'); ap.add_argument('--ptx', help='keep the PTX here')
    ap.add_argument('--kernel', help='regex of kernels to report')
    a = ap.parse_args()
    llvm.initialize_all_targets(); llvm.initialize_all_asmprinters()
    with tempfile.TemporaryDirectory() as tmp:
        ll = os.path.join(tmp, 'k.ll')
        defaults = ['DEVICE_IS_GPU=1', 'NVIDIA_TENSOR_CORES=1', 'TC_WARPS_M=2', 'TC_WARPS_N=2']   # as the host passes them
        cmd = ['clang', '-x', 'cl', '-cl-std=CL1.2', '-S', '-emit-llvm', '-O2', '-target', 'nvptx64-nvidia-nvcl',
               '-Dasm=__asm__', '-cl-mad-enable'] + ['-D' + d for d in defaults + a.D] + [os.path.abspath(a.file), '-o', ll]
        subprocess.run(cmd, check=True, cwd=os.path.dirname(os.path.abspath(a.file)))
        mod = llvm.parse_assembly(open(ll).read())
        mod.link_in(llvm.parse_assembly(RUNTIME))
        mod.verify()
        tm = llvm.Target.from_triple('nvptx64-nvidia-cuda').create_target_machine(cpu=a.arch, features='+ptx80', opt=3)
        pto = llvm.create_pipeline_tuning_options(speed_level=3)
        pb = llvm.create_pass_builder(tm, pto)
        pb.getModulePassManager().run(mod, pb)
        ptx = tm.emit_assembly(mod)
        p = a.ptx or os.path.join(tmp, 'k.ptx')
        open(p, 'w').write(ptx)
        ptxas = os.environ.get('PTXAS') or shutil.which('ptxas')
        if not ptxas:   # the pip wheel's copy (a namespace package: no __init__, so no origin)
            spec = importlib.util.find_spec('nvidia.cuda_nvcc')
            ptxas = os.path.join(list(spec.submodule_search_locations)[0], 'bin', 'ptxas') if spec else 'ptxas'
        r = subprocess.run([ptxas, '-arch=' + a.arch, '-v', p, '-o', os.path.join(tmp, 'k.cubin')], capture_output=True, text=True)
        out = r.stdout + r.stderr
        if r.returncode != 0: print(out); sys.exit(1)
        # Clang 21 compiles each kernel into a body (__clang_ocl_kern_imp_NAME) and a stub that calls it;
        # the body's figures are the kernel's. Older clangs emit the kernel alone.
        report, name = {}, None
        for line in out.splitlines():
            m = re.search(r"Compiling entry function '(\w+)'", line)
            if m: name = m.group(1); continue
            if name and ('registers' in line or 'spill' in line):
                report.setdefault(name, []).append(line.split('info    : ')[-1].strip())
        prefix = '__clang_ocl_kern_imp_'
        for name, lines in report.items():
            if prefix + name in report: continue   # a stub
            kernel = name[len(prefix):] if name.startswith(prefix) else name
            if a.kernel is None or re.search(a.kernel, kernel):
                for line in lines: print(f'{kernel:28s} {line}')

if __name__ == '__main__':
    main()
