import { Rng } from '@tfsim/utils';

/**
 * Plain-loop float64 references for the layers, written independently of the
 * tensor code: nested loops over explicit indices.
 */

/** Row-major strides of a shape. */
function strides(shape: number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = out[i + 1]! * shape[i + 1]!;
  return out;
}

/**
 * GeM over the spatial positions of each (batch, channel), with the Python
 * library's shift: m = min, result = (mean((x - m + 1)^p))^(1/p) + m - 1,
 * geometric mean for |p| < 1e-5, max / min for +/-Infinity.
 * Returns [batch * channels] values in (batch, channel) order.
 */
export function gemReference(x: ArrayLike<number>, shape: number[], p: number, channelsLast: boolean): Float64Array {
  const batch = shape[0]!;
  const channelAxis = channelsLast ? shape.length - 1 : 1;
  const channels = shape[channelAxis]!;
  const spatialAxes = shape.map((_, i) => i).filter((i) => i !== 0 && i !== channelAxis);
  const spatialShape = spatialAxes.map((a) => shape[a]!);
  const positions = spatialShape.reduce((a, b) => a * b, 1);
  const st = strides(shape);
  const out = new Float64Array(batch * channels);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const values: number[] = [];
      for (let pos = 0; pos < positions; pos++) {
        let rest = pos;
        let offset = b * st[0]! + c * st[channelAxis]!;
        for (let k = spatialAxes.length - 1; k >= 0; k--) {
          const size = spatialShape[k]!;
          offset += (rest % size) * st[spatialAxes[k]!]!;
          rest = Math.floor(rest / size);
        }
        values.push(x[offset]!);
      }
      let result: number;
      if (p === Infinity) result = Math.max(...values);
      else if (p === -Infinity) result = Math.min(...values);
      else {
        const m = Math.min(...values);
        const shifted = values.map((v) => v - m + 1);
        let mean: number;
        if (Math.abs(p) < 1e-5) {
          mean = Math.exp(shifted.reduce((s, v) => s + Math.log(v), 0) / positions);
        } else {
          mean = Math.pow(shifted.reduce((s, v) => s + Math.pow(v, p), 0) / positions, 1 / p);
        }
        result = mean + m - 1;
      }
      out[b * channels + c] = result;
    }
  }
  return out;
}

/** Dense (x W + b) followed by L2 normalisation of each row, in float64. */
export function metricEmbeddingReference(
  x: ArrayLike<number>,
  rows: number,
  inDim: number,
  kernel: ArrayLike<number>,
  bias: ArrayLike<number>,
  units: number,
): Float64Array {
  const out = new Float64Array(rows * units);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let u = 0; u < units; u++) {
      let v = bias[u]!;
      for (let i = 0; i < inDim; i++) v += x[r * inDim + i]! * kernel[i * units + u]!;
      out[r * units + u] = v;
      norm += v * v;
    }
    const scale = 1 / Math.sqrt(Math.max(norm, 1e-12));
    for (let u = 0; u < units; u++) out[r * units + u]! *= scale;
  }
  return out;
}

/** mean over features of the population std over the batch of the L2-normalised rows. */
export function activationStdReference(x: ArrayLike<number>, rows: number, cols: number): number {
  const normalized = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let c = 0; c < cols; c++) norm += x[r * cols + c]! ** 2;
    const scale = 1 / Math.sqrt(Math.max(norm, 1e-12));
    for (let c = 0; c < cols; c++) normalized[r * cols + c] = x[r * cols + c]! * scale;
  }
  let total = 0;
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += normalized[r * cols + c]!;
    mean /= rows;
    let variance = 0;
    for (let r = 0; r < rows; r++) variance += (normalized[r * cols + c]! - mean) ** 2;
    total += Math.sqrt(variance / rows);
  }
  return total / cols;
}

/** Seeded uniform values in [lo, hi). */
export function seededValues(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}
