/** Makes the optional native pieces of @tfsim load in any project: the library behind `npx tfsim-setup-native`. */
export { FAISS_PATCH, ONEDNN_PROBE, setupNative, type SetupOptions, type SetupResult, TENSORFLOW_WHEEL } from './setup';
