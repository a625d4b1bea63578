// TensorFlow Lite Micro (with its CMSIS-NN kernels) on the bare-metal
// benchmark runtime: per embedded model, AllocateTensors, warm up, time one
// inference, then one more through a MicroInterpreter with a profiler (per-op
// counts). One JSON line per model on the UART (bench_tflm.py), after a
// {"start": i} line. The resolver registers every builtin op TFLM has
// (test_bench_tflm.py checks it against micro_mutable_op_resolver.h). TFLM's
// log text goes into the model's "error", not onto the UART; after an error
// the program stops, and bench_tflm.py boots it again from the next model
// (bench_first_model), so that no model runs after another one's failure.
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

// what TFLM logs (MicroPrintf) while a model runs: its error text
char log_buf[512];
size_t log_len;

void error(const char* what) {
  bench_puts(", \"error\": \"");
  bench_json_str(what);
  if (log_len) {
    bench_puts(": ");
    bench_json_str(log_buf);
  }
  bench_puts("\"}\n");
}

// 0 on success, -1 after an error (reported in the model's line)
int run(const bench_model_t* bm, const tflite::MicroOpResolver& resolver) {
  log_len = 0;
  log_buf[0] = 0;
  bench_printf("{\"impl\": \"tflm\", \"model\": \"%s\", \"clock\": %lu", bm->name,
               static_cast<unsigned long>(bench_clock_hz()));
  const tflite::Model* model = tflite::GetModel(bm->data);
  tflite::MicroInterpreter* it = make(model, resolver, nullptr);
  if (it->AllocateTensors() != kTfLiteOk) {
    error("AllocateTensors failed");
    it->~MicroInterpreter();
    return -1;
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
  // the same again with the profiler: per-op counts. Its third inference is profiled and gives the
  // output, as ours_main.c's hooked one is its model's third: a model with state (variable
  // tensors: LSTM, SVDF) gives the same bytes only after as many inferences
  it = make(model, resolver, &profiler);
  if (st == kTfLiteOk) st = it->AllocateTensors();
  for (int warm = 0; warm < 2 && st == kTfLiteOk; warm++) {
    fill_inputs(it);
    st = it->Invoke();
  }
  if (st == kTfLiteOk) {
    profiler.Clear();
    fill_inputs(it);
    if (st == kTfLiteOk) st = it->Invoke();
  }
  if (st != kTfLiteOk) {
    error("Invoke failed");
    it->~MicroInterpreter();
    return -1;
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
  return 0;
}

}  // namespace

// TFLM's platform logging (its micro/debug_log.cc writes to stderr): into
// log_buf, lines joined by "; ", reported as the model's error
extern "C" void DebugLog(const char* format, va_list args) {
  char buf[256];
  int n = vsnprintf(buf, sizeof buf, format, args);
  for (int i = 0; i < n && i < static_cast<int>(sizeof buf) - 1 && log_len + 3 < sizeof log_buf; i++) {
    char c = buf[i];
    if (c == '\n' || c == '\r') {
      if (log_len == 0 || log_buf[log_len - 1] == ' ') continue;
      log_buf[log_len++] = ';';
      c = ' ';
    }
    log_buf[log_len++] = c;
  }
  while (log_len && (log_buf[log_len - 1] == ' ' || log_buf[log_len - 1] == ';')) log_len--;
  log_buf[log_len] = 0;
}

extern "C" int DebugVsnprintf(char* buffer, size_t buf_size, const char* format, va_list vlist) {
  return vsnprintf(buffer, buf_size, format, vlist);
}

int main() {
  static tflite::MicroMutableOpResolver<128> resolver;
  // every builtin op of micro_mutable_op_resolver.h; left out: AddBuiltin and AddCustom (the
  // generic forms), AddEthosU (the Ethos-U NPU driver) and the signal library's custom ops
  // (Delay, Energy, FftAutoScale, FilterBank*, Framer, Irfft, OverlapAdd, PCAN, Rfft, Stacker,
  // Window: tensorflow/lite/micro/signal and KissFFT, which TFLM's Makefile downloads and
  // firmware/deps.sh does not)
#ifdef BENCH_TFLM_OPS_SMOKE
  // the smoke test's models only (BENCH_TFLM_OPS=smoke: tests/bench/test_bench_tflm.py links only their kernels)
  resolver.AddDepthwiseConv2D();
  resolver.AddFullyConnected();
  resolver.AddReshape();
  resolver.AddSoftmax();
  resolver.AddUnidirectionalSequenceLSTM();
#else
  resolver.AddAbs();
  resolver.AddAdd();
  resolver.AddAddN();
  resolver.AddArgMax();
  resolver.AddArgMin();
  resolver.AddAssignVariable();
  resolver.AddAveragePool2D();
  resolver.AddBatchMatMul();
  resolver.AddBatchToSpaceNd();
  resolver.AddBroadcastArgs();
  resolver.AddBroadcastTo();
  resolver.AddCallOnce();
  resolver.AddCast();
  resolver.AddCeil();
  resolver.AddCircularBuffer();
  resolver.AddConcatenation();
  resolver.AddConv2D();
  resolver.AddCos();
  resolver.AddCumSum();
  resolver.AddDepthToSpace();
  resolver.AddDepthwiseConv2D();
  resolver.AddDequantize();
  resolver.AddDetectionPostprocess();
  resolver.AddDiv();
  resolver.AddElu();
  resolver.AddEmbeddingLookup();
  resolver.AddEqual();
  resolver.AddExp();
  resolver.AddExpandDims();
  resolver.AddFill();
  resolver.AddFloor();
  resolver.AddFloorDiv();
  resolver.AddFloorMod();
  resolver.AddFullyConnected();
  resolver.AddGather();
  resolver.AddGatherNd();
  resolver.AddGreater();
  resolver.AddGreaterEqual();
  resolver.AddHardSwish();
  resolver.AddIf();
  resolver.AddL2Normalization();
  resolver.AddL2Pool2D();
  resolver.AddLeakyRelu();
  resolver.AddLess();
  resolver.AddLessEqual();
  resolver.AddLog();
  resolver.AddLogSoftmax();
  resolver.AddLogicalAnd();
  resolver.AddLogicalNot();
  resolver.AddLogicalOr();
  resolver.AddLogistic();
  resolver.AddMaxPool2D();
  resolver.AddMaximum();
  resolver.AddMean();
  resolver.AddMinimum();
  resolver.AddMirrorPad();
  resolver.AddMul();
  resolver.AddNeg();
  resolver.AddNotEqual();
  resolver.AddPack();
  resolver.AddPad();
  resolver.AddPadV2();
  resolver.AddPrelu();
  resolver.AddQuantize();
  resolver.AddReadVariable();
  resolver.AddReduceMax();
  resolver.AddRelu();
  resolver.AddRelu6();
  resolver.AddReshape();
  resolver.AddResizeBilinear();
  resolver.AddResizeNearestNeighbor();
  resolver.AddRound();
  resolver.AddRsqrt();
  resolver.AddSelectV2();
  resolver.AddShape();
  resolver.AddSin();
  resolver.AddSlice();
  resolver.AddSoftmax();
  resolver.AddSpaceToBatchNd();
  resolver.AddSpaceToDepth();
  resolver.AddSplit();
  resolver.AddSplitV();
  resolver.AddSqrt();
  resolver.AddSquare();
  resolver.AddSquaredDifference();
  resolver.AddSqueeze();
  resolver.AddStridedSlice();
  resolver.AddSub();
  resolver.AddSum();
  resolver.AddSvdf();
  resolver.AddTanh();
  resolver.AddTranspose();
  resolver.AddTransposeConv();
  resolver.AddUnidirectionalSequenceLSTM();
  resolver.AddUnpack();
  resolver.AddVarHandle();
  resolver.AddWhile();
  resolver.AddZerosLike();
#endif
  bench_printf("{\"models\": %lu}\n", static_cast<unsigned long>(bench_num_models));
  for (uint32_t i = bench_first_model(); i < bench_num_models; i++) {
    bench_printf("{\"start\": %lu, \"model\": \"%s\"}\n", static_cast<unsigned long>(i), bench_models[i].name);
    if (run(&bench_models[i], resolver) != 0) {
      bench_printf("{\"stopped\": %lu}\n", static_cast<unsigned long>(i));
      return 2;
    }
  }
  bench_puts("{\"done\": 1}\n");
  return 0;
}
