/**
 * Reads the model servers of one track directly, by pod IP, as the canary analysis needs:
 * each Ready pod's Prometheus `/metrics` and its `/v2/models/{model}/samples`. A pod that
 * does not answer in time is left out and named, never an error: the analysis then waits
 * for enough requests from the pods that do answer.
 */

import type { SamplesSnapshot } from '../../serving/samples.js';
import {
  getServerText,
  isReadyPod,
  podAddress,
  samplesPath,
  type ServingPod,
} from '../serving-pods.js';
import { parsePrometheusText, servingFigures, type TrackReading } from './analysis.js';

export interface TrackScrape extends TrackReading {
  /** Ready pods that did not answer, as `name: why`. */
  unreachable: string[];
}

type PodReading =
  | { name: string; error?: undefined; metrics: string; samples: SamplesSnapshot }
  | { name: string; error: string };

export async function scrapeTrack(
  pods: readonly ServingPod[],
  model: string,
): Promise<TrackScrape> {
  const readings = await Promise.all(
    pods.filter(isReadyPod).map(async (pod): Promise<PodReading> => {
      const address = podAddress(pod);
      const name = pod.metadata?.name ?? '';
      if (address === undefined) return { name, error: 'no pod IP' };
      try {
        const [metrics, samples] = await Promise.all([
          getServerText(`${address}/metrics`),
          getServerText(samplesPath(address, model)),
        ]);
        return { name, metrics, samples: JSON.parse(samples) as SamplesSnapshot };
      } catch (error) {
        return { name, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  const answered = readings.flatMap((reading) => (reading.error === undefined ? [reading] : []));
  return {
    pods: answered.map((reading) => ({
      pod: reading.name,
      figures: servingFigures(parsePrometheusText(reading.metrics)),
    })),
    samples: answered.map((reading) => reading.samples),
    unreachable: readings.flatMap((reading) =>
      reading.error === undefined ? [] : [`${reading.name}: ${reading.error}`],
    ),
  };
}
