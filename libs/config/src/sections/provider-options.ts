import { z } from 'zod';
import { InputModality } from '@aigw/contracts';

/**
 * Per-provider and per-deployment settings that `libs/providers` reads: an API version for providers that
 * version their URLs (Azure OpenAI), and what a deployment's model can take.
 */

/** `providers.<id>.apiVersion`: Azure OpenAI's `api-version` query parameter (e.g. `2024-10-21`). */
export const ProviderApiVersion = z.string().regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?$/, 'use a version such as 2024-10-21').optional();

/**
 * `deployments.<id>.capabilities`: a request needing more than this (an image for a text-only model,
 * tools for a model without tool use) is refused with a 400 before any upstream call.
 */
export const DeploymentCapabilitiesConfig = z
  .strictObject({
    /** Inputs the model accepts, e.g. `[text]` or `[text, image]`; absent: whatever its provider's API accepts. */
    input: z.array(InputModality).min(1).optional(),
    /** Whether the model can call tools; absent: it can. */
    tools: z.boolean().optional(),
  })
  .optional();
