/**
 * The open-data settings a fund manager sets once (isomorphic: the settings form checks them in the browser too):
 * - the 360Giving identifier prefix: every grant id is `360G-<prefix>-<award reference>`. 360Giving registers a
 *   prefix per publisher; until the fund has one, `commonpot` stands in. Letters, digits and single hyphens only,
 *   because a `/` or `\` would break the identifier (DOMAIN.md "Open data").
 * - the publisher's name, as the package names who publishes it;
 * - the licence the data is published under (360Giving asks for an open licence; CC BY 4.0 by default).
 */
import { z } from 'zod'

export interface OpenDataSettings {
  prefix: string
  publisherName: string
  licenceUrl: string
}

export const DEFAULT_OPEN_DATA_SETTINGS: OpenDataSettings = {
  prefix: 'commonpot',
  publisherName: 'Commonpot',
  licenceUrl: 'https://creativecommons.org/licenses/by/4.0/',
}

function isWebAddress(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}

const PREFIX = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/

export const OpenDataSettingsSchema = z.object({
  prefix: z
    .string({ required_error: 'Enter your 360Giving identifier prefix' })
    .trim()
    // People often copy the whole registered prefix ("360G-commonpot"): keep what follows "360G-".
    .transform((v) => v.replace(/^360G-/i, ''))
    .pipe(
      z
        .string()
        .min(1, 'Enter your 360Giving identifier prefix')
        .max(60, 'Keep the prefix to 60 characters')
        .regex(PREFIX, 'Use only letters, numbers and single hyphens in the prefix, like commonpot or Example-Trust (no / or spaces)'),
    ),
  publisherName: z.string({ required_error: 'Enter the name of the organisation publishing the data' }).trim().min(1, 'Enter the name of the organisation publishing the data').max(200, 'Keep the name to 200 characters'),
  licenceUrl: z
    .string({ required_error: 'Enter the web address of the licence' })
    .trim()
    .refine(isWebAddress, 'Enter the licence as a web address, like https://creativecommons.org/licenses/by/4.0/'),
})

/** The grant identifier 360Giving expects: `360G-<prefix>-<award reference>`. */
export function grantIdentifier(prefix: string, awardReference: string): string {
  return `360G-${prefix}-${awardReference.replace(/[/\\]/g, '-')}`
}
