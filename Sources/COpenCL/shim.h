// The one C header the project sees. OpenCL 1.2 is what both NVIDIA and PoCL offer.
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
