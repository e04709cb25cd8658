// TfsimAdamUpdate: TensorFlow.js' Adam update of one variable as one
// TensorFlow kernel, for @tfsim/models' graph-mode training (built by
// tfsim-setup-native into @tfsim/models' native/tfsim-tf-ops.node).
//
// tfjs' AdamOptimizer.applyGradients runs about fourteen elementwise kernels
// per variable; this op computes, element by element, the same float32
// operations in the same order, each rounded to float32 as those kernels
// round it, so its results are bit for bit theirs:
//   m' = m * beta1 + g * oneMinusBeta1
//   v' = v * beta2 + (g * g) * oneMinusBeta2
//   w' = ((m' / oneMinusBeta1Power) / (sqrt(v' / oneMinusBeta2Power) + epsilon)) * negLr + w
// The scalars come from the traced step (tfjs forms them: 1 - beta1 in
// double then rounded, 1 - accBeta1 as a float32 kernel, -lr). TensorFlow's
// ResourceApplyAdam uses other algebra (m += (g - m) * (1 - beta1), the
// learning rate folded with the bias corrections) and drifts from tfjs by
// 1e-4 relative in 20 steps. Compile with -ffp-contract=off: a fused
// multiply-add would round once where tfjs' kernels round twice.
//
// The same file is an N-API module so that node can load it into the process
// whose TensorFlow (tfjs-node's) then knows the op: its static registrations
// go into the process-wide op and kernel registries. Python TensorFlow loads
// it with tf.load_op_library.
#define EIGEN_USE_THREADS

// Angle brackets throughout: TensorFlow's headers come from -I (tfjs-node's deps/include), and
// setup-native's source hash reads the quoted includes as local headers beside this file.
#include <node_api.h>

#include <cmath>

#include <tensorflow/core/framework/op.h>
#include <tensorflow/core/framework/op_kernel.h>
#include <tensorflow/core/framework/shape_inference.h>
#include <unsupported/Eigen/CXX11/Tensor>

#ifndef TFSIM_TF_OPS_SOURCE
#define TFSIM_TF_OPS_SOURCE "unknown"
#endif

namespace tfsim {

using ::tensorflow::OpKernel;
using ::tensorflow::OpKernelConstruction;
using ::tensorflow::OpKernelContext;
using ::tensorflow::Status;
using ::tensorflow::Tensor;
using ::tensorflow::shape_inference::InferenceContext;
using ::tensorflow::shape_inference::ShapeHandle;

constexpr int kTensors = 4;  // var, m, v, grad
constexpr int kScalars = 8;
const char* const kScalarNames[kScalars] = {"beta1",          "one_minus_beta1",       "beta2",   "one_minus_beta2",
                                            "one_minus_beta1_power", "one_minus_beta2_power", "epsilon", "neg_lr"};

REGISTER_OP("TfsimAdamUpdate")
    .Input("var: float")
    .Input("m: float")
    .Input("v: float")
    .Input("grad: float")
    .Input("beta1: float")
    .Input("one_minus_beta1: float")
    .Input("beta2: float")
    .Input("one_minus_beta2: float")
    .Input("one_minus_beta1_power: float")
    .Input("one_minus_beta2_power: float")
    .Input("epsilon: float")
    .Input("neg_lr: float")
    .Output("new_var: float")
    .Output("new_m: float")
    .Output("new_v: float")
    .SetShapeFn([](InferenceContext* c) -> Status {
      ShapeHandle shape = c->input(0);
      for (int i = 1; i < kTensors; ++i) TF_RETURN_IF_ERROR(c->Merge(shape, c->input(i), &shape));
      ShapeHandle unused;
      for (int i = kTensors; i < kTensors + kScalars; ++i) TF_RETURN_IF_ERROR(c->WithRank(c->input(i), 0, &unused));
      for (int k = 0; k < 3; ++k) c->set_output(k, shape);
      return Status();
    })
    .Doc("TensorFlow.js' Adam update of one variable: new var, m and v, rounded as tfjs' kernels round them.");

/**
 * Elements [begin, end) of the update. Each line is one of tfjs' kernels: one
 * IEEE operation, rounded to float32. __restrict (the outputs are fresh
 * buffers) lets the compiler vectorise; the clones pick AVX-512 or AVX at
 * load time (the same correctly rounded operations, wider), and
 * -ffp-contract=off keeps the multiplies and adds apart even where FMA exists.
 */
struct Scalars {
  float beta1, omBeta1, beta2, omBeta2, omPower1, omPower2, epsilon, negLr;
};

__attribute__((target_clones("avx512f", "avx", "default"))) static void AdamSpan(
    const float* __restrict w, const float* __restrict m, const float* __restrict v, const float* __restrict g,
    float* __restrict w1, float* __restrict m1, float* __restrict v1, Eigen::Index begin, Eigen::Index end,
    const Scalars s) {
  for (Eigen::Index i = begin; i < end; ++i) {
    const float gi = g[i];
    const float a = m[i] * s.beta1;
    const float b = gi * s.omBeta1;
    const float mNew = a + b;
    const float g2 = gi * gi;
    const float c = v[i] * s.beta2;
    const float d = g2 * s.omBeta2;
    const float vNew = c + d;
    const float mHat = mNew / s.omPower1;
    const float vHat = vNew / s.omPower2;
    const float root = std::sqrt(vHat);
    const float denom = root + s.epsilon;
    const float ratio = mHat / denom;
    const float step = ratio * s.negLr;
    w1[i] = step + w[i];
    m1[i] = mNew;
    v1[i] = vNew;
  }
}

class TfsimAdamUpdateOp : public OpKernel {
 public:
  explicit TfsimAdamUpdateOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    const Tensor& var = ctx->input(0);
    for (int i = 1; i < kTensors; ++i) {
      OP_REQUIRES(ctx, ctx->input(i).shape() == var.shape(),
                  ::tensorflow::errors::InvalidArgument("TfsimAdamUpdate: input ", i, " has shape ",
                                                        ctx->input(i).shape().DebugString(), ", var has ",
                                                        var.shape().DebugString()));
    }
    float s[kScalars];
    for (int i = 0; i < kScalars; ++i) {
      const Tensor& t = ctx->input(kTensors + i);
      OP_REQUIRES(ctx, ::tensorflow::TensorShapeUtils::IsScalar(t.shape()),
                  ::tensorflow::errors::InvalidArgument("TfsimAdamUpdate: ", kScalarNames[i], " must be a scalar, not ",
                                                        t.shape().DebugString()));
      s[i] = t.scalar<float>()();
    }
    Tensor* out[3];
    for (int k = 0; k < 3; ++k) OP_REQUIRES_OK(ctx, ctx->allocate_output(k, var.shape(), &out[k]));
    const float* w = var.flat<float>().data();
    const float* m = ctx->input(1).flat<float>().data();
    const float* v = ctx->input(2).flat<float>().data();
    const float* g = ctx->input(3).flat<float>().data();
    float* w1 = out[0]->flat<float>().data();
    float* m1 = out[1]->flat<float>().data();
    float* v1 = out[2]->flat<float>().data();
    const Scalars scalars{s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]};
    auto update = [=](Eigen::Index begin, Eigen::Index end) { AdamSpan(w, m, v, g, w1, m1, v1, begin, end, scalars); };
    // 16 bytes read, 12 written, about 14 operations (one a square root) per element
    const Eigen::TensorOpCost cost(16, 12, 40);
    ctx->eigen_cpu_device().parallelFor(var.NumElements(), cost, update);
  }
};

REGISTER_KERNEL_BUILDER(Name("TfsimAdamUpdate").Device(::tensorflow::DEVICE_CPU), TfsimAdamUpdateOp);

}  // namespace tfsim

// ------------------------------------------------------------------ N-API

// Weak: the same file loads into Python TensorFlow too (tf.load_op_library,
// bench:graph-profile's replay), which has no node to define these and
// resolves every symbol at load; only node calls them.
#pragma weak napi_create_string_utf8
#pragma weak napi_set_named_property
#pragma weak napi_create_array_with_length
#pragma weak napi_set_element

NAPI_MODULE_INIT() {
  napi_value value;
  napi_create_string_utf8(env, TFSIM_TF_OPS_SOURCE, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, exports, "source", value);
  napi_value ops;
  napi_create_array_with_length(env, 1, &ops);
  napi_create_string_utf8(env, "TfsimAdamUpdate", NAPI_AUTO_LENGTH, &value);
  napi_set_element(env, ops, 0, value);
  napi_set_named_property(env, exports, "ops", ops);
  return exports;
}
