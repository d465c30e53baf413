// The time the GPU stands between two kernels of one stream when the host is ahead of it:
// launch N kernels that each spin for a known time, back to back, and compare the total with N
// times the spin. Also the same through a CUDA graph, and tiny kernels of 1 to 132 blocks.
// Build and run: nvcc -O2 -arch=sm_90 -o kernel_gap kernel_gap.cu && ./kernel_gap
#include <cstdio>
#include <cuda_runtime.h>

__global__ void spin(long long cycles) {
  long long start = clock64();
  while (clock64() - start < cycles) {
  }
}

__global__ void touch(float* x) { x[blockIdx.x * blockDim.x + threadIdx.x] += 1.0f; }

static float time_ms(cudaStream_t s, cudaEvent_t a, cudaEvent_t b) {
  float ms = 0;
  cudaEventSynchronize(b);
  cudaEventElapsedTime(&ms, a, b);
  return ms;
}

int main() {
  cudaStream_t s;
  cudaStreamCreate(&s);
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  int clock_khz = 0;
  cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, 0);
  float* x;
  cudaMalloc(&x, 132 * 1024 * sizeof(float));
  const int n = 2000;
  printf("{\"clock_khz\": %d, \"rows\": [\n", clock_khz);
  bool first = true;
  for (int blocks : {1, 132}) {
    for (double us : {0.0, 5.0, 20.0, 50.0}) {
      const long long cycles = static_cast<long long>(us * clock_khz / 1000.0);
      // One kernel alone, to know what a spin of this length takes on the GPU.
      spin<<<blocks, 32, 0, s>>>(cycles);
      cudaStreamSynchronize(s);
      cudaEventRecord(a, s);
      spin<<<blocks, 32, 0, s>>>(cycles);
      cudaEventRecord(b, s);
      const float one = time_ms(s, a, b);
      // Fill the queue first so that the host stays ahead, then time n back to back.
      for (int i = 0; i < 200; ++i) spin<<<blocks, 32, 0, s>>>(cycles);
      cudaEventRecord(a, s);
      for (int i = 0; i < n; ++i) spin<<<blocks, 32, 0, s>>>(cycles);
      cudaEventRecord(b, s);
      const float eager = time_ms(s, a, b);
      cudaGraph_t g;
      cudaGraphExec_t ge;
      cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal);
      for (int i = 0; i < n; ++i) spin<<<blocks, 32, 0, s>>>(cycles);
      cudaStreamEndCapture(s, &g);
      cudaGraphInstantiate(&ge, g, 0);
      cudaGraphLaunch(ge, s);
      cudaStreamSynchronize(s);
      cudaEventRecord(a, s);
      cudaGraphLaunch(ge, s);
      cudaEventRecord(b, s);
      const float graph = time_ms(s, a, b);
      printf("%s{\"blocks\": %d, \"spin_us\": %.1f, \"one_kernel_us\": %.2f, "
             "\"per_kernel_eager_us\": %.3f, \"per_kernel_graph_us\": %.3f}",
             first ? "" : ",\n", blocks, us, one * 1e3, eager * 1e3 / n, graph * 1e3 / n);
      first = false;
      cudaGraphExecDestroy(ge);
      cudaGraphDestroy(g);
    }
  }
  // A memory kernel over 132 x 1024 floats, back to back.
  cudaEventRecord(a, s);
  for (int i = 0; i < n; ++i) touch<<<132, 1024, 0, s>>>(x);
  cudaEventRecord(b, s);
  printf(",\n{\"touch_132x1024_per_kernel_eager_us\": %.3f}\n]}\n", time_ms(s, a, b) * 1e3 / n);
  printf("%s\n", cudaGetErrorString(cudaGetLastError()));
  return 0;
}
