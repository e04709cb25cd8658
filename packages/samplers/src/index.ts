/**
 * @tfsim/samplers: class-balanced batches for metric learning, from memory,
 * files, tfjs-data datasets and sharded TFRecord files, with the Python
 * library's augmenters (SimCLR, Barlow Twins) built from tensor ops.
 */
export { type Batch, type RawBatch, Sampler, type SamplerOptions } from './sampler';
export {
  MultiShotMemorySampler,
  type MultiShotMemorySamplerOptions,
  SingleShotMemorySampler,
  type SingleShotMemorySamplerOptions,
} from './memory-samplers';
export { loadImage, MultiShotFileSampler, type MultiShotFileSamplerOptions } from './file-sampler';
export {
  DirectorySampler,
  type DirectorySamplerOptions,
  type DirectoryListing,
  IMAGE_EXTENSIONS,
  listImageDirectory,
  type ListDirectoryOptions,
} from './directory-sampler';
export { TFDataSampler, type TFDataSamplerOptions } from './tfdata-sampler';
export {
  type FeatureRecord,
  type PreprocessFn,
  TFDatasetMultiShotMemorySampler,
  type TFDatasetMultiShotMemorySamplerOptions,
} from './tfdataset-sampler';
export { type ExampleData, type ExampleValue, type LoadExampleFn } from './examples';
export { selectExamples, type SelectExamplesOptions } from './select-examples';
export {
  type DeserializationFn,
  type DeserializedExample,
  listShards,
  TFRecordDatasetSampler,
  type TFRecordDatasetSamplerOptions,
} from './tfrecord/sampler';
export {
  type Compression,
  readTFRecordFile,
  readTFRecords,
  type ReadRecordsOptions,
  TFRecordWriter,
  writeTFRecordFile,
} from './tfrecord/records';
export { encodeExample, type Example, type Feature, type FeatureInput, parseExample } from './tfrecord/example';
export { crc32c, maskedCrc32c } from './tfrecord/crc32c';
export { Augmenter, type AugmenterFn, type AugmenterLike } from './augmenters/augmenter';
export { SimCLRAugmenter, type SimCLRAugmenterOptions } from './augmenters/simclr';
export { BarlowAugmenter, type BarlowAugmenterOptions } from './augmenters/barlow';
export { ContrastiveAugmenter, type ExampleProcess } from './augmenters/contrastive';
export {
  centerCrop,
  type ColorJitterOptions,
  type DistortedBoxOptions,
  randomBlur,
  randomColorJitter,
  randomCropWithResize,
  randomFlipLeftRight,
  randomResizedCrop,
  randomSolarize,
  sampleDistortedBox,
} from './augmenters/transforms';
export {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  cropAndResize,
  flipLeftRight,
  gaussianBlur,
  hsvToRgb,
  rgbToGrayscale,
  rgbToHsv,
  scaleBrightness,
  solarize,
} from './augmenters/image-ops';
export { flipTopBottom, randomApply, randomFlipTopBottom } from './augmenters/random-apply';
