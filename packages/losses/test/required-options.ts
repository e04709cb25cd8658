/** The options each registered loss needs to be built at all (the others default), for tests that build every loss by name. */
import { serializeLoss, TripletLoss } from '../src';

export function requiredOptions(className: string): Record<string, unknown> {
  switch (className) {
    case 'XBM':
      return { loss: serializeLoss(new TripletLoss()), memorySize: 4 };
    case 'MinedLoss':
      return { loss: serializeLoss(new TripletLoss()), miner: { className: 'BatchHardMiner', config: {} } };
    case 'MultipleLosses':
      return { losses: [serializeLoss(new TripletLoss())] };
    case 'ArcFaceLoss':
    case 'ProxyAnchorLoss':
      return { numClasses: 3, embeddingSize: 4, seed: 1 };
    default:
      return {};
  }
}
