/** Class-balanced batch samplers from memory, files, datasets and TFRecord shards, with augmenters. */
export const PACKAGE_NAME = '@tfsim/samplers';
