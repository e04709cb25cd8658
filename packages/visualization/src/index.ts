/**
 * @tfsim/visualization: pictures of what a similarity model does. Neighbour
 * grids and confusion matrices as PNG, calibration curves and training history
 * as SVG and PNG charts (Vega-Lite, rendered headlessly), and an interactive
 * embedding projector as one self-contained HTML page. No TensorFlow.js needed:
 * images are typed arrays or nested arrays with a shape.
 */
export { vizNeighborsImgs, vizNeigborsImgs, type NeighborsGrid, type NeighborsGridOptions, type GridTile } from './neighbors';
export { visualizeViews, type ViewsGrid, type ViewsTile, type VisualizeViewsOptions } from './views';
export { confusionMatrix, type ConfusionMatrix, type ConfusionMatrixOptions, type CellBox } from './confusion-matrix';
export { calibrationCurve, type CalibrationCurve, type CalibrationChartOptions, type Cutpoint } from './calibration';
export { trainingHistory, type HistoryLike, type HistoryChartOptions } from './history';
export { projector, type Projection, type ProjectorOptions } from './projector';
export { renderVegaLite, svgToPng, type Chart, type ChartOptions } from './render';
export { toImage, toImageBatch, type ImageArray, type ImageLike, type ImageBatchLike, type PixelRange, type PlainImage } from './images';
export { colorScheme, classColors } from './colors';
export { className, type ClassMapping } from './labels';
