/**
 * A sampler over a folder of class subfolders of images (the Python
 * library's issue #281), listed as Keras' `image_dataset_from_directory`
 * lists one: the class names are the subfolder names in sorted order, a
 * class's label is its position there, and every image file under a class
 * folder (at any depth) is an example of that class. Images are decoded when
 * a batch needs them, not when the folder is listed.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

import { checkOptions, type OptionKeys, ValueError } from '@tfsim/utils';

import { loadImage, MultiShotFileSampler, type MultiShotFileSamplerOptions } from './file-sampler';
import { SAMPLER_OPTION_KEYS } from './sampler';

/** Keras' image extensions (`image_dataset_from_directory`'s allowlist). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.bmp', '.gif', '.jpeg', '.jpg', '.png'];

export interface ListDirectoryOptions {
  /** The class folders to use, in label order. Default: every subfolder, sorted. */
  classNames?: readonly string[];
  /** File extensions counted as images (case-insensitive). Default IMAGE_EXTENSIONS. */
  extensions?: readonly string[];
}

/** The examples of a class-folder tree: paths sorted within each class, classes in label order. */
export interface DirectoryListing {
  paths: string[];
  labels: number[];
  classNames: string[];
}

const LIST_KEYS: OptionKeys<ListDirectoryOptions> = { classNames: true, extensions: true };

/** Files under `dir` (recursively, not following links) whose extension is one of `extensions`, sorted by path. */
async function imageFiles(dir: string, extensions: ReadonlySet<string>): Promise<string[]> {
  const found: string[] = [];
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await imageFiles(full, extensions)));
    else if (entry.isFile() && extensions.has(path.extname(entry.name).toLowerCase())) found.push(full);
  }
  return found;
}

/** Lists the image files of `dir`'s class subfolders with their labels; no image is opened. */
export async function listImageDirectory(dir: string, options: ListDirectoryOptions = {}): Promise<DirectoryListing> {
  checkOptions(options, LIST_KEYS, 'listImageDirectory');
  if (typeof dir !== 'string') throw new ValueError(`the image folder must be a path, got ${typeof dir}`);
  const stat = await fsp.stat(dir).catch(() => null);
  if (!stat?.isDirectory()) throw new ValueError(`${dir} is not a folder: give a folder with one subfolder of images per class`);
  const extensions = new Set(
    (options.extensions ?? IMAGE_EXTENSIONS).map((e) => {
      if (typeof e !== 'string' || e.length === 0)
        throw new ValueError(`extensions must be non-empty strings such as '.png', got ${String(e)}`);
      return (e.startsWith('.') ? e : `.${e}`).toLowerCase();
    }),
  );
  const subfolders = (await fsp.readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  let classNames: string[];
  if (options.classNames !== undefined) {
    classNames = [...options.classNames];
    if (classNames.length === 0) throw new ValueError('classNames must list at least one class folder');
    const missing = classNames.filter((c) => !subfolders.includes(c));
    if (missing.length > 0)
      throw new ValueError(
        `classNames lists ${missing.map((c) => `'${c}'`).join(', ')}, not subfolders of ${dir} (its subfolders: ${subfolders.join(', ') || 'none'})`,
      );
    if (new Set(classNames).size !== classNames.length) throw new ValueError('classNames lists a class twice');
  } else {
    classNames = subfolders;
    if (classNames.length === 0) throw new ValueError(`${dir} has no subfolders: give a folder with one subfolder of images per class`);
  }
  const paths: string[] = [];
  const labels: number[] = [];
  for (const [label, name] of classNames.entries()) {
    const files = await imageFiles(path.join(dir, name), extensions);
    if (files.length === 0)
      throw new ValueError(`class folder '${name}' of ${dir} has no images (files ending in ${[...extensions].join(', ')})`);
    paths.push(...files);
    labels.push(...files.map(() => label));
  }
  return { paths, labels, classNames };
}

export interface DirectorySamplerOptions extends MultiShotFileSamplerOptions, ListDirectoryOptions {
  /**
   * [height, width] every image is resized to (a batch stacks images of one
   * size). Default [256, 256], Keras' `image_size`; null keeps each image's
   * own size (then they must all have the same).
   */
  imageSize?: readonly [number, number] | null;
}

/**
 * A MultiShotFileSampler over a folder of class subfolders of images:
 * `await DirectorySampler.fromDirectory('photos/', { classesPerBatch: 8 })`
 * for `photos/cat/*.jpg`, `photos/dog/*.jpg`, ... The labels are the class
 * folders' positions in `classNames`.
 */
export class DirectorySampler extends MultiShotFileSampler {
  static override readonly optionKeys: OptionKeys<DirectorySamplerOptions> = {
    ...MultiShotFileSampler.optionKeys,
    ...SAMPLER_OPTION_KEYS,
    classNames: true,
    extensions: true,
    imageSize: true,
  };
  /** The class folder of each label. */
  readonly classNames: readonly string[];
  /** The image files, in listing order. */
  readonly paths: readonly string[];

  private constructor(listing: DirectoryListing, options: MultiShotFileSamplerOptions) {
    super(listing.paths, listing.labels, options);
    this.classNames = listing.classNames;
    this.paths = listing.paths;
  }

  /** Lists `dir` and makes the sampler; images are decoded batch by batch. */
  static async fromDirectory(dir: string, options: DirectorySamplerOptions = {}): Promise<DirectorySampler> {
    checkOptions(options, DirectorySampler.optionKeys, 'DirectorySampler');
    const { classNames, extensions, imageSize = [256, 256], ...samplerOptions } = options;
    if (
      imageSize !== null &&
      !(Array.isArray(imageSize) && imageSize.length === 2 && imageSize.every((v) => Number.isInteger(v) && v > 0))
    ) {
      throw new ValueError(`imageSize must be [height, width] of positive integers or null, got ${JSON.stringify(imageSize)}`);
    }
    const listing = await listImageDirectory(dir, { ...(classNames ? { classNames } : {}), ...(extensions ? { extensions } : {}) });
    const size = imageSize ?? undefined;
    return new DirectorySampler(listing, {
      ...samplerOptions,
      loadExampleFn: samplerOptions.loadExampleFn ?? ((file: string) => loadImage(file, size)),
    });
  }
}
