/** Ready backbones (ResNet18/50, EfficientNet) returning a SimilarityModel. */
export const PACKAGE_NAME = '@tfsim/architectures';
