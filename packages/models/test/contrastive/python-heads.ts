/**
 * Parameter counts of the Python library's default heads (get_projector,
 * get_predictor of tensorflow_similarity 0.18 contrastive_model.py, built by
 * Keras on TensorFlow 2.21): produced by tools/reference/models_contrastive_heads_reference.py.
 */
export interface PythonHead {
  total: number;
  trainable: number;
  nonTrainable: number;
  /** [layer name, parameter count] in order. */
  layers: [string, number][];
}

export const PYTHON_HEADS: Record<string, PythonHead> = {
  projector_in64_layers2: {
    total: 297984,
    trainable: 295936,
    nonTrainable: 2048,
    layers: [
      ['projector_input', 0],
      ['projector_layer_0', 32768],
      ['batch_normalization_0', 2048],
      ['relu_activation_0', 0],
      ['projector_output', 262144],
      ['batch_normalization_ouput', 1024],
      ['proj_std', 0],
    ],
  },
  projector_in512_layers2: {
    total: 527360,
    trainable: 525312,
    nonTrainable: 2048,
    layers: [
      ['projector_input', 0],
      ['projector_layer_0', 262144],
      ['batch_normalization_0', 2048],
      ['relu_activation_0', 0],
      ['projector_output', 262144],
      ['batch_normalization_ouput', 1024],
      ['proj_std', 0],
    ],
  },
  projector_in64_layers3: {
    total: 562176,
    trainable: 559104,
    nonTrainable: 3072,
    layers: [
      ['projector_input', 0],
      ['projector_layer_0', 32768],
      ['batch_normalization_0', 2048],
      ['relu_activation_0', 0],
      ['projector_layer_1', 262144],
      ['batch_normalization_1', 2048],
      ['relu_activation_1', 0],
      ['projector_output', 262144],
      ['batch_normalization_ouput', 1024],
      ['proj_std', 0],
    ],
  },
  predictor_in512: {
    total: 526848,
    trainable: 525824,
    nonTrainable: 1024,
    layers: [
      ['predictor_input', 0],
      ['predictor_layer_0', 262144],
      ['batch_normalization_0', 2048],
      ['relu_activation_0', 0],
      ['predictor_output', 262656],
      ['pred_std', 0],
    ],
  },
  predictor_in32_hidden8: {
    total: 576,
    trainable: 560,
    nonTrainable: 16,
    layers: [
      ['predictor_input', 0],
      ['predictor_layer_0', 256],
      ['batch_normalization_0', 32],
      ['relu_activation_0', 0],
      ['predictor_output', 288],
      ['pred_std', 0],
    ],
  },
};
