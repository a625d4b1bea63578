// TensorFlow Lite Micro (with its CMSIS-NN kernels) on the bare-metal
// benchmark runtime: per embedded model, AllocateTensors, warm up, time one
// inference, then one more through a MicroInterpreter with a profiler (per-op
// counts). One JSON line per model on the UART (bench_tflm.py).
#include <cstdarg>
#include <cstdio>
#include <new>

#include "bench_rt.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/micro/micro_profiler_interface.h"
#include "tensorflow/lite/schema/schema_generated.h"

namespace {

uint8_t arena[BENCH_ARENA_BYTES] BENCH_BIG;
alignas(tflite::MicroInterpreter) uint8_t interp_mem[sizeof(tflite::MicroInterpreter)];

constexpr int kMaxEvents = 256;

class OpProfiler : public tflite::MicroProfilerInterface {
 public:
  uint32_t BeginEvent(const char* tag) override {
    if (n_ < kMaxEvents) tags_[n_] = tag;
    bench_sync();
    start_ = bench_ticks();
    return n_;
  }
  void EndEvent(uint32_t handle) override {
    uint64_t t = bench_ticks();
    if (handle < kMaxEvents) ticks_[handle] = t - start_;
    n_++;
  }
  void Clear() { n_ = 0; }
  int n_ = 0;
  const char* tags_[kMaxEvents] = {};
  uint64_t ticks_[kMaxEvents] = {};
  uint64_t start_ = 0;
};

OpProfiler profiler;

tflite::MicroInterpreter* make(const tflite::Model* model, const tflite::MicroOpResolver& resolver,
                               tflite::MicroProfilerInterface* prof) {
  return new (interp_mem) tflite::MicroInterpreter(model, resolver, arena, sizeof arena, nullptr, prof);
}

void fill_inputs(tflite::MicroInterpreter* it) {
  for (size_t i = 0; i < it->inputs_size(); i++) {
    TfLiteTensor* t = it->input(i);
    bench_fill_input(t->data.raw, t->bytes);
  }
}

void run(const bench_model_t* bm, const tflite::MicroOpResolver& resolver) {
  bench_printf("{\"impl\": \"tflm\", \"model\": \"%s\", \"clock\": %lu", bm->name,
               static_cast<unsigned long>(bench_clock_hz()));
  const tflite::Model* model = tflite::GetModel(bm->data);
  tflite::MicroInterpreter* it = make(model, resolver, nullptr);
  if (it->AllocateTensors() != kTfLiteOk) {
    bench_puts(", \"error\": \"AllocateTensors failed\"}\n");
    it->~MicroInterpreter();
    return;
  }
  size_t used = it->arena_used_bytes();
  // the input is refilled before each run: the plan may reuse its bytes
  fill_inputs(it);
  TfLiteStatus st = it->Invoke();  // warm-up
  fill_inputs(it);
  bench_sync();
  uint64_t t0 = bench_ticks();
  if (st == kTfLiteOk) st = it->Invoke();
  uint64_t t1 = bench_ticks();
  it->~MicroInterpreter();
  // the same again with the profiler: per-op counts
  it = make(model, resolver, &profiler);
  if (st == kTfLiteOk) st = it->AllocateTensors();
  if (st == kTfLiteOk) {
    fill_inputs(it);
    st = it->Invoke();
    profiler.Clear();
    fill_inputs(it);
    if (st == kTfLiteOk) st = it->Invoke();
  }
  if (st != kTfLiteOk) {
    bench_puts(", \"error\": \"Invoke failed\"}\n");
    it->~MicroInterpreter();
    return;
  }
  bench_printf(", \"total\": %lu, \"arena\": %lu, \"ops\": [", static_cast<unsigned long>(t1 - t0),
               static_cast<unsigned long>(used));
  for (int i = 0; i < profiler.n_ && i < kMaxEvents; i++) {
    bench_printf("%s[\"%s\", 0, %lu]", i ? ", " : "", profiler.tags_[i],
                 static_cast<unsigned long>(profiler.ticks_[i]));
  }
  bench_puts("], \"out\": \"");
  for (size_t i = 0; i < it->outputs_size(); i++) {
    TfLiteTensor* t = it->output(i);
    bench_hex(t->data.raw, t->bytes);
  }
  bench_puts("\"}\n");
  it->~MicroInterpreter();
}

}  // namespace

// TFLM's platform logging (its micro/debug_log.cc writes to stderr): the UART
extern "C" void DebugLog(const char* format, va_list args) {
  char buf[256];
  int n = vsnprintf(buf, sizeof buf, format, args);
  if (n > 0) bench_write(buf, static_cast<size_t>(n) < sizeof buf ? static_cast<size_t>(n) : sizeof buf - 1);
}

extern "C" int DebugVsnprintf(char* buffer, size_t buf_size, const char* format, va_list vlist) {
  return vsnprintf(buffer, buf_size, format, vlist);
}

int main() {
  static tflite::MicroMutableOpResolver<16> resolver;
  resolver.AddAdd();
  resolver.AddAveragePool2D();
  resolver.AddConv2D();
  resolver.AddDepthwiseConv2D();
  resolver.AddDequantize();
  resolver.AddFullyConnected();
  resolver.AddMaxPool2D();
  resolver.AddMean();
  resolver.AddPad();
  resolver.AddPadV2();
  resolver.AddTranspose();
  resolver.AddMul();
  resolver.AddQuantize();
  resolver.AddReshape();
  resolver.AddSoftmax();
  for (uint32_t i = 0; i < bench_num_models; i++) run(&bench_models[i], resolver);
  bench_puts("{\"done\": 1}\n");
  return 0;
}
