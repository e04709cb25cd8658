/**
 * The Python library's default projector and predictor heads
 * (`contrastive_model.get_projector` / `get_predictor`): MLPs of bias-free
 * Dense layers with LeCun-uniform kernels, batch normalisation (epsilon
 * 1.001e-5, the papers' value) and an activation, ending in an
 * ActivationStdLoggingLayer that tracks collapse.
 */
import { initializers, input, layers, type LayersModel, model, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { ActivationStdLoggingLayer, NonAffineBatchNormalization } from '@tfsim/layers';
import { assertInteger, ValueError } from '@tfsim/utils';

/** Batch-normalisation epsilon of the heads, from the original papers' implementations. */
export const BN_EPSILON = 1.001e-5;

type ActivationIdentifier = NonNullable<Parameters<typeof layers.activation>[0]>['activation'];

export interface ProjectorOptions {
  /** Width of every layer. Default 512. */
  dim?: number;
  /** Activation between layers. Default 'relu'. */
  activation?: string;
  /** Dense layers, the output one included. Default 3 (createContrastiveModel uses 2, as Python's create_contrastive_model). */
  numLayers?: number;
  /** Seed of the kernel initialisers (layer i uses seed + i); default unseeded. */
  seed?: number;
}

export interface PredictorOptions {
  /** Width of the hidden layer (the bottleneck). Default 512. */
  hiddenDim?: number;
  /** Activation after the hidden layer. Default 'relu'. */
  activation?: string;
  /** Seed of the kernel initialisers (layer i uses seed + i); default unseeded. */
  seed?: number;
}

function kernelInitializer(seed: number | undefined, offset: number) {
  return initializers.leCunUniform(seed === undefined ? {} : { seed: seed + offset });
}

function checkDim(value: number, what: string, head: string): void {
  try {
    assertInteger(value, what, 1);
  } catch (err) {
    throw new ValueError(`${head}: ${(err as Error).message}`);
  }
}

/**
 * The projector: `numLayers - 1` blocks of Dense(dim, no bias) ->
 * BatchNormalization -> activation, then Dense(dim, no bias) ->
 * BatchNormalization without center and scale -> ActivationStdLoggingLayer
 * named 'proj_std'. Input `[batch, inputDim]`, output `[batch, dim]`.
 */
export function getProjector(inputDim: number, options: ProjectorOptions = {}): LayersModel {
  const dim = options.dim ?? 512;
  const activation = options.activation ?? 'relu';
  const numLayers = options.numLayers ?? 3;
  checkDim(inputDim, 'inputDim', 'getProjector');
  checkDim(dim, 'dim', 'getProjector');
  checkDim(numLayers, 'numLayers', 'getProjector');
  const inputs = input({ shape: [inputDim], name: 'projector_input' });
  let x: SymbolicTensor = inputs;
  for (let i = 0; i < numLayers - 1; i++) {
    x = layers
      .dense({ units: dim, useBias: false, kernelInitializer: kernelInitializer(options.seed, i), name: `projector_layer_${i}` })
      .apply(x) as SymbolicTensor;
    x = layers.batchNormalization({ epsilon: BN_EPSILON, name: `batch_normalization_${i}` }).apply(x) as SymbolicTensor;
    x = layers
      .activation({ activation: activation as ActivationIdentifier, name: `${activation}_activation_${i}` })
      .apply(x) as SymbolicTensor;
  }
  x = layers
    .dense({ units: dim, useBias: false, kernelInitializer: kernelInitializer(options.seed, numLayers - 1), name: 'projector_output' })
    .apply(x) as SymbolicTensor;
  // Python's layer name, typo included, so that weights line up by name.
  x = new NonAffineBatchNormalization({ epsilon: BN_EPSILON, name: 'batch_normalization_ouput' }).apply(x) as SymbolicTensor;
  const outputs = new ActivationStdLoggingLayer({ name: 'proj_std' }).apply(x) as SymbolicTensor;
  return model({ inputs, outputs, name: 'projector' });
}

/**
 * The predictor (SimSiam, BYOL): Dense(hiddenDim, no bias) ->
 * BatchNormalization -> activation -> Dense(inputDim, with bias) ->
 * ActivationStdLoggingLayer named 'pred_std'. Input and output
 * `[batch, inputDim]`.
 */
export function getPredictor(inputDim: number, options: PredictorOptions = {}): LayersModel {
  const hiddenDim = options.hiddenDim ?? 512;
  const activation = options.activation ?? 'relu';
  checkDim(inputDim, 'inputDim', 'getPredictor');
  checkDim(hiddenDim, 'hiddenDim', 'getPredictor');
  const inputs = input({ shape: [inputDim], name: 'predictor_input' });
  let x: SymbolicTensor = layers
    .dense({ units: hiddenDim, useBias: false, kernelInitializer: kernelInitializer(options.seed, 0), name: 'predictor_layer_0' })
    .apply(inputs) as SymbolicTensor;
  x = layers.batchNormalization({ epsilon: BN_EPSILON, name: 'batch_normalization_0' }).apply(x) as SymbolicTensor;
  x = layers.activation({ activation: activation as ActivationIdentifier, name: `${activation}_activation_0` }).apply(x) as SymbolicTensor;
  x = layers
    .dense({ units: inputDim, kernelInitializer: kernelInitializer(options.seed, 1), name: 'predictor_output' })
    .apply(x) as SymbolicTensor;
  const outputs = new ActivationStdLoggingLayer({ name: 'pred_std' }).apply(x) as SymbolicTensor;
  return model({ inputs, outputs, name: 'predictor' });
}
