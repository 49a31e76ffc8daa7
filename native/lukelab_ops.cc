// Fused CPU kernels for lukelab's training and inference on native TensorFlow (float32).
//
// tfjs-node runs one TensorFlow eager op per tfjs op; on a 2-core CPU the elementwise ops of a LUKE
// training step are memory-bound, and GELU, LayerNorm, AdamW and dropout cost 4-20 passes each over
// their tensors where one suffices. These ops do each in one pass (two over each row for LayerNorm):
//
//   LukelabGelu(x) -> y                         y = x * Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2
//   LukelabGeluGrad(dy, x) -> dx                dx = dy * (Phi(x) + x * phi(x))
//   LukelabLayerNorm(x, gamma, beta) -> (y, mean, rstd)      over the last axis, biased variance,
//                                                            epsilon inside the square root, float
//                                                            sums and PyTorch's algebraic form (its
//                                                            results to the last bit or two)
//   LukelabLayerNormGrad(dy, x, gamma, mean, rstd) -> (dx, dgamma, dbeta)
//   LukelabAdamW(p, g, m, v, hyper) -> (p', m', v')          transformers' AdamW, in its order of
//                                                            operations; hyper = [step size, beta1,
//                                                            beta2, eps, lr * weight decay]
//   LukelabAdamWMulti(p[N], g[N], m[N], v[N], hyper[N, 5]) -> (p'[N], m'[N], v'[N])
//                                                            the same update for N tensors in one op
//                                                            (one dispatch per step, not per tensor)
//   LukelabDropout(x, seed, rate) -> (y, keep)               inverted dropout: keep (bool) where a
//                                                            uniform draw is >= rate; y = x / (1 - rate)
//                                                            where kept, else 0. Philox keyed by seed
//                                                            [2], the same for any thread count. The
//                                                            kept mask is one byte per value (a float
//                                                            mask saved for backward would be four)
//   LukelabDropoutGrad(dy, keep, rate) -> dx                 dx = dy / (1 - rate) where kept, else 0
//
// The library is built by scripts/native-ops.sh against the TensorFlow of the tfjs-node binding and
// loaded into the same process (kernel/backend/native-ops.ts), where its ops run through tfjs-node's
// executeOp like TensorFlow's own. It is also a (trivial) Node-API module, so process.dlopen loads it.
#include <math.h>

#include <cmath>
#include <cstring>

// glibc's vector math library (libmvec) has SIMD versions of erff and expf; declaring them lets the
// compiler vectorise the GELU loops below (marked `omp simd`) without -ffast-math elsewhere.
extern "C" {
__attribute__((__simd__("notinbranch"))) float erff(float) noexcept;
__attribute__((__simd__("notinbranch"))) float expf(float) noexcept;
}
#include <vector>

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/lib/random/philox_random.h"
#include "tensorflow/core/framework/common_shape_fns.h"
#include "tensorflow/core/util/work_sharder.h"

using namespace tensorflow;  // NOLINT

namespace {

// Runs fn(begin, end) over [0, n) on TensorFlow's intra-op threads; cost = rough cycles per item.
template <typename F>
void ParallelRange(OpKernelContext* ctx, int64_t n, int64_t cost, F fn) {
  auto* workers = ctx->device()->tensorflow_cpu_worker_threads();
  Shard(workers->num_threads, workers->workers, n, cost, fn);
}

constexpr float kSqrtHalf = 0.70710678118654752440f;
constexpr float kInvSqrt2Pi = 0.39894228040143267794f;

}  // namespace

REGISTER_OP("LukelabGelu").Input("x: float").Output("y: float").SetShapeFn(shape_inference::UnchangedShape);
REGISTER_OP("LukelabGeluGrad").Input("dy: float").Input("x: float").Output("dx: float").SetShapeFn(shape_inference::UnchangedShape);
REGISTER_OP("LukelabLayerNorm")
    .Input("x: float")
    .Input("gamma: float")
    .Input("beta: float")
    .Attr("epsilon: float")
    .Output("y: float")
    .Output("mean: float")
    .Output("rstd: float");
REGISTER_OP("LukelabLayerNormGrad")
    .Input("dy: float")
    .Input("x: float")
    .Input("gamma: float")
    .Input("mean: float")
    .Input("rstd: float")
    .Output("dx: float")
    .Output("dgamma: float")
    .Output("dbeta: float");
REGISTER_OP("LukelabAdamW")
    .Input("p: float")
    .Input("g: float")
    .Input("m: float")
    .Input("v: float")
    .Input("hyper: float")
    .Output("p_out: float")
    .Output("m_out: float")
    .Output("v_out: float");

REGISTER_OP("LukelabAdamWMulti")
    .Attr("N: int >= 1")
    .Input("p: N * float")
    .Input("g: N * float")
    .Input("m: N * float")
    .Input("v: N * float")
    .Input("hyper: float")
    .Output("p_out: N * float")
    .Output("m_out: N * float")
    .Output("v_out: N * float");

REGISTER_OP("LukelabDropout")
    .Input("x: float")
    .Input("seed: int32")
    .Input("rate: float")
    .Output("y: float")
    .Output("keep: bool");
REGISTER_OP("LukelabDropoutGrad").Input("dy: float").Input("keep: bool").Input("rate: float").Output("dx: float");

class GeluOp : public OpKernel {
 public:
  explicit GeluOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    Tensor* y = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &y));
    const float* in = x.flat<float>().data();
    float* out = y->flat<float>().data();
    ParallelRange(ctx, x.NumElements(), 60, [&](int64_t b, int64_t e) {
#pragma omp simd
      for (int64_t i = b; i < e; ++i) out[i] = in[i] * 0.5f * (1.0f + erff(in[i] * kSqrtHalf));
    });
  }
};

class GeluGradOp : public OpKernel {
 public:
  explicit GeluGradOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& dy = ctx->input(0);
    const Tensor& x = ctx->input(1);
    OP_REQUIRES(ctx, dy.shape() == x.shape(), errors::InvalidArgument("LukelabGeluGrad: dy ", dy.shape().DebugString(), " and x ", x.shape().DebugString(), " differ"));
    Tensor* dx = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &dx));
    const float* g = dy.flat<float>().data();
    const float* in = x.flat<float>().data();
    float* out = dx->flat<float>().data();
    ParallelRange(ctx, x.NumElements(), 80, [&](int64_t b, int64_t e) {
#pragma omp simd
      for (int64_t i = b; i < e; ++i) {
        const float v = in[i];
        const float cdf = 0.5f * (1.0f + erff(v * kSqrtHalf));
        const float pdf = expf(-0.5f * v * v) * kInvSqrt2Pi;
        out[i] = g[i] * (cdf + v * pdf);
      }
    });
  }
};

// Rows = all leading axes, H = the last axis.
static void RowsAndWidth(OpKernelContext* ctx, const Tensor& x, const Tensor& gamma, int64_t* rows, int64_t* h) {
  OP_REQUIRES(ctx, x.dims() >= 1, errors::InvalidArgument("LukelabLayerNorm: x must have at least one axis"));
  *h = x.dim_size(x.dims() - 1);
  OP_REQUIRES(ctx, gamma.NumElements() == *h, errors::InvalidArgument("LukelabLayerNorm: gamma has ", gamma.NumElements(), " values, the last axis ", *h));
  *rows = *h == 0 ? 0 : x.NumElements() / *h;
}

class LayerNormOp : public OpKernel {
 public:
  explicit LayerNormOp(OpKernelConstruction* c) : OpKernel(c) { OP_REQUIRES_OK(c, c->GetAttr("epsilon", &eps_)); }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& gamma = ctx->input(1);
    const Tensor& beta = ctx->input(2);
    int64_t rows = 0, h = 0;
    RowsAndWidth(ctx, x, gamma, &rows, &h);
    if (!ctx->status().ok()) return;
    OP_REQUIRES(ctx, beta.NumElements() == h, errors::InvalidArgument("LukelabLayerNorm: beta has ", beta.NumElements(), " values, the last axis ", h));
    Tensor *y = nullptr, *mean = nullptr, *rstd = nullptr;
    TensorShape rowShape = x.shape();
    rowShape.set_dim(x.dims() - 1, 1);
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &y));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, rowShape, &mean));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(2, rowShape, &rstd));
    const float* in = x.flat<float>().data();
    const float* gm = gamma.flat<float>().data();
    const float* bt = beta.flat<float>().data();
    float* out = y->flat<float>().data();
    float* mu = mean->flat<float>().data();
    float* rs = rstd->flat<float>().data();
    const float eps = eps_;
    ParallelRange(ctx, rows, 10 * h, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const float* xr = in + r * h;
        float s = 0;
        for (int64_t j = 0; j < h; ++j) s += xr[j];
        const float m = s / static_cast<float>(h);
        float q = 0;
        for (int64_t j = 0; j < h; ++j) {
          const float d = xr[j] - m;
          q += d * d;
        }
        const float inv = 1.0f / std::sqrt(q / static_cast<float>(h) + eps);
        mu[r] = m;
        rs[r] = inv;
        // As PyTorch's CPU kernel: y = (x * rstd + (-rstd * mean)) * gamma + beta.
        const float shift = -inv * m;
        float* yr = out + r * h;
        for (int64_t j = 0; j < h; ++j) yr[j] = (xr[j] * inv + shift) * gm[j] + bt[j];
      }
    });
  }

 private:
  float eps_;
};

// dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * gamma; dgamma = sum dy * xhat; dbeta = sum dy.
class LayerNormGradOp : public OpKernel {
 public:
  explicit LayerNormGradOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& dy = ctx->input(0);
    const Tensor& x = ctx->input(1);
    const Tensor& gamma = ctx->input(2);
    const Tensor& mean = ctx->input(3);
    const Tensor& rstd = ctx->input(4);
    int64_t rows = 0, h = 0;
    RowsAndWidth(ctx, x, gamma, &rows, &h);
    if (!ctx->status().ok()) return;
    OP_REQUIRES(ctx, dy.shape() == x.shape(), errors::InvalidArgument("LukelabLayerNormGrad: dy ", dy.shape().DebugString(), " and x ", x.shape().DebugString(), " differ"));
    OP_REQUIRES(ctx, mean.NumElements() == rows && rstd.NumElements() == rows, errors::InvalidArgument("LukelabLayerNormGrad: mean and rstd need one value per row (", rows, ")"));
    Tensor *dx = nullptr, *dgamma = nullptr, *dbeta = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &dx));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, gamma.shape(), &dgamma));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(2, gamma.shape(), &dbeta));
    const float* gy = dy.flat<float>().data();
    const float* in = x.flat<float>().data();
    const float* gm = gamma.flat<float>().data();
    const float* mu = mean.flat<float>().data();
    const float* rs = rstd.flat<float>().data();
    float* out = dx->flat<float>().data();
    // dgamma and dbeta: per-block partial sums in double, added in block order (deterministic for a
    // given thread count).
    auto* workers = ctx->device()->tensorflow_cpu_worker_threads();
    const int64_t blocks = std::max<int64_t>(1, std::min<int64_t>(rows, 4 * workers->num_threads));
    std::vector<double> pg(blocks * h, 0.0), pb(blocks * h, 0.0);
    ParallelRange(ctx, blocks, 20 * h * std::max<int64_t>(1, rows / blocks), [&](int64_t bb, int64_t be) {
      for (int64_t blk = bb; blk < be; ++blk) {
        const int64_t r0 = rows * blk / blocks, r1 = rows * (blk + 1) / blocks;
        double* sg = pg.data() + blk * h;
        double* sb = pb.data() + blk * h;
        for (int64_t r = r0; r < r1; ++r) {
          const float* xr = in + r * h;
          const float* dr = gy + r * h;
          const float m = mu[r], inv = rs[r];
          // PyTorch's form (aten LayerNormBackward on CPU): with ds = sum dy*gamma*x, db = sum dy*gamma,
          // b = (db*mean - ds)*rstd^3/H, c = -b*mean - db*rstd/H, dx = rstd*dy*gamma + b*x + c.
          float ds = 0, dbs = 0;
          for (int64_t j = 0; j < h; ++j) {
            const float g = dr[j] * gm[j];
            ds += g * xr[j];
            dbs += g;
            sg[j] += dr[j] * ((xr[j] - m) * inv);
            sb[j] += dr[j];
          }
          const float scale = 1.0f / static_cast<float>(h);
          const float b = (dbs * m - ds) * inv * inv * inv * scale;
          const float c = -b * m - dbs * inv * scale;
          float* o = out + r * h;
          for (int64_t j = 0; j < h; ++j) o[j] = inv * dr[j] * gm[j] + b * xr[j] + c;
        }
      }
    });
    float* dg = dgamma->flat<float>().data();
    float* db = dbeta->flat<float>().data();
    for (int64_t j = 0; j < h; ++j) {
      double a = 0, c = 0;
      for (int64_t blk = 0; blk < blocks; ++blk) {
        a += pg[blk * h + j];
        c += pb[blk * h + j];
      }
      dg[j] = static_cast<float>(a);
      db[j] = static_cast<float>(c);
    }
  }
};

// transformers' AdamW for one tensor; h = [step size, beta1, beta2, eps, lr * weight decay].
static void AdamWUpdate(OpKernelContext* ctx, const float* h, const Tensor& p, const Tensor& g, const Tensor& m, const Tensor& v, Tensor* po, Tensor* mo,
                 Tensor* vo) {
  const float step = h[0], b1 = h[1], b2 = h[2], eps = h[3], decay = h[4];
  const float c1 = 1.0f - b1, c2 = 1.0f - b2;
  const float* pp = p.flat<float>().data();
  const float* gg = g.flat<float>().data();
  const float* mm = m.flat<float>().data();
  const float* vv = v.flat<float>().data();
  float* pn = po->flat<float>().data();
  float* mn = mo->flat<float>().data();
  float* vn = vo->flat<float>().data();
  ParallelRange(ctx, p.NumElements(), 20, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float gi = gg[i];
      const float m1 = mm[i] * b1 + gi * c1;
      const float v1 = vv[i] * b2 + (gi * gi) * c2;
      const float denom = std::sqrt(v1) + eps;
      float q = pp[i] - (m1 / denom) * step;
      if (decay != 0.0f) q = q - q * decay;
      mn[i] = m1;
      vn[i] = v1;
      pn[i] = q;
    }
  });
}

class AdamWOp : public OpKernel {
 public:
  explicit AdamWOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& p = ctx->input(0);
    const Tensor& g = ctx->input(1);
    const Tensor& m = ctx->input(2);
    const Tensor& v = ctx->input(3);
    const Tensor& hyper = ctx->input(4);
    OP_REQUIRES(ctx, g.shape() == p.shape() && m.shape() == p.shape() && v.shape() == p.shape(),
                errors::InvalidArgument("LukelabAdamW: p, g, m and v must have one shape; p is ", p.shape().DebugString()));
    OP_REQUIRES(ctx, hyper.NumElements() == 5, errors::InvalidArgument("LukelabAdamW: hyper holds [step size, beta1, beta2, eps, lr * weight decay]"));
    Tensor *po = nullptr, *mo = nullptr, *vo = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, p.shape(), &po));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, p.shape(), &mo));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(2, p.shape(), &vo));
    AdamWUpdate(ctx, hyper.flat<float>().data(), p, g, m, v, po, mo, vo);
  }
};

class AdamWMultiOp : public OpKernel {
 public:
  explicit AdamWMultiOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    OpInputList p, g, m, v;
    OP_REQUIRES_OK(ctx, ctx->input_list("p", &p));
    OP_REQUIRES_OK(ctx, ctx->input_list("g", &g));
    OP_REQUIRES_OK(ctx, ctx->input_list("m", &m));
    OP_REQUIRES_OK(ctx, ctx->input_list("v", &v));
    const Tensor& hyper = ctx->input(4 * p.size());
    const int n = p.size();
    OP_REQUIRES(ctx, hyper.NumElements() == 5 * n,
                errors::InvalidArgument("LukelabAdamWMulti: hyper holds [step size, beta1, beta2, eps, lr * weight decay] for each of the ", n, " tensors, found ", hyper.NumElements(), " values"));
    for (int i = 0; i < n; ++i) {
      OP_REQUIRES(ctx, g[i].shape() == p[i].shape() && m[i].shape() == p[i].shape() && v[i].shape() == p[i].shape(),
                  errors::InvalidArgument("LukelabAdamWMulti: p, g, m and v of tensor ", i, " must have one shape; p is ", p[i].shape().DebugString()));
    }
    OpOutputList po, mo, vo;
    OP_REQUIRES_OK(ctx, ctx->output_list("p_out", &po));
    OP_REQUIRES_OK(ctx, ctx->output_list("m_out", &mo));
    OP_REQUIRES_OK(ctx, ctx->output_list("v_out", &vo));
    const float* hp = hyper.flat<float>().data();
    for (int i = 0; i < n; ++i) {
      Tensor *pi = nullptr, *mi = nullptr, *vi = nullptr;
      OP_REQUIRES_OK(ctx, po.allocate(i, p[i].shape(), &pi));
      OP_REQUIRES_OK(ctx, mo.allocate(i, p[i].shape(), &mi));
      OP_REQUIRES_OK(ctx, vo.allocate(i, p[i].shape(), &vi));
      AdamWUpdate(ctx, hp + 5 * i, p[i], g[i], m[i], v[i], pi, mi, vi);
    }
  }
};

// The dropout rate of `op`'s scalar input, in [0, 1); false (and the op's status set) otherwise.
static bool DropoutRate(OpKernelContext* ctx, const Tensor& t, const char* op, float* rate) {
  if (t.NumElements() != 1) {
    ctx->SetStatus(errors::InvalidArgument(op, ": rate must be a scalar"));
    return false;
  }
  *rate = t.flat<float>()(0);
  if (!(*rate >= 0.0f && *rate < 1.0f)) {
    ctx->SetStatus(errors::InvalidArgument(op, ": rate must be in [0, 1), found ", *rate));
    return false;
  }
  return true;
}

class DropoutOp : public OpKernel {
 public:
  explicit DropoutOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& seed = ctx->input(1);
    const Tensor& rate_t = ctx->input(2);
    OP_REQUIRES(ctx, seed.NumElements() == 2, errors::InvalidArgument("LukelabDropout: seed must hold 2 values, found ", seed.NumElements()));
    float rate = 0.0f;
    if (!DropoutRate(ctx, rate_t, "LukelabDropout", &rate)) return;
    Tensor *y = nullptr, *mask = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &y));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, x.shape(), &mask));
    const auto sd = seed.flat<int32_t>();
    const random::PhiloxRandom base(static_cast<uint64_t>(static_cast<uint32_t>(sd(0))), static_cast<uint64_t>(static_cast<uint32_t>(sd(1))));
    const float scale = 1.0f / (1.0f - rate);
    const float* in = x.flat<float>().data();
    float* out = y->flat<float>().data();
    bool* mk = mask->flat<bool>().data();
    const int64_t n = x.NumElements();
    const int64_t groups = (n + 3) / 4;  // one Philox draw gives 4 numbers
    ParallelRange(ctx, groups, 40, [&](int64_t b, int64_t e) {
      random::PhiloxRandom gen = base;
      gen.Skip(b);
      for (int64_t k = b; k < e; ++k) {
        const auto draw = gen();
        for (int l = 0; l < 4; ++l) {
          const int64_t i = 4 * k + l;
          if (i >= n) break;
          // 23 random mantissa bits under exponent 0: a float in [1, 2), minus 1.
          const uint32_t bits = (127u << 23) | (draw[l] & 0x7fffffu);
          float u;
          std::memcpy(&u, &bits, sizeof u);
          const bool keep = (u - 1.0f) >= rate;
          mk[i] = keep;
          out[i] = in[i] * (keep ? scale : 0.0f);
        }
      }
    });
  }
};

class DropoutGradOp : public OpKernel {
 public:
  explicit DropoutGradOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& dy = ctx->input(0);
    const Tensor& keep = ctx->input(1);
    const Tensor& rate_t = ctx->input(2);
    OP_REQUIRES(ctx, keep.shape() == dy.shape(),
                errors::InvalidArgument("LukelabDropoutGrad: dy ", dy.shape().DebugString(), " and the kept mask ", keep.shape().DebugString(), " differ"));
    float rate = 0.0f;
    if (!DropoutRate(ctx, rate_t, "LukelabDropoutGrad", &rate)) return;
    Tensor* dx = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, dy.shape(), &dx));
    const float scale = 1.0f / (1.0f - rate);
    const float* g = dy.flat<float>().data();
    const bool* k = keep.flat<bool>().data();
    float* out = dx->flat<float>().data();
    ParallelRange(ctx, dy.NumElements(), 2, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) out[i] = g[i] * (k[i] ? scale : 0.0f);
    });
  }
};

REGISTER_KERNEL_BUILDER(Name("LukelabGelu").Device(DEVICE_CPU), GeluOp);
REGISTER_KERNEL_BUILDER(Name("LukelabGeluGrad").Device(DEVICE_CPU), GeluGradOp);
REGISTER_KERNEL_BUILDER(Name("LukelabLayerNorm").Device(DEVICE_CPU), LayerNormOp);
REGISTER_KERNEL_BUILDER(Name("LukelabLayerNormGrad").Device(DEVICE_CPU), LayerNormGradOp);
REGISTER_KERNEL_BUILDER(Name("LukelabAdamW").Device(DEVICE_CPU), AdamWOp);
REGISTER_KERNEL_BUILDER(Name("LukelabAdamWMulti").Device(DEVICE_CPU), AdamWMultiOp);
REGISTER_KERNEL_BUILDER(Name("LukelabDropout").Device(DEVICE_CPU), DropoutOp);
REGISTER_KERNEL_BUILDER(Name("LukelabDropoutGrad").Device(DEVICE_CPU), DropoutGradOp);

// A Node-API module with no exports: process.dlopen() loads the library (registering the ops above
// with the TensorFlow already in the process) and finds this entry point.
extern "C" {
typedef struct napi_env__* napi_env;
typedef struct napi_value__* napi_value;
__attribute__((visibility("default"))) napi_value napi_register_module_v1(napi_env, napi_value exports) { return exports; }
__attribute__((visibility("default"))) int32_t node_api_module_get_api_version_v1() { return 8; }
}
