import { z } from 'zod';
import { Identifier } from '../identifiers';
import { Subjects } from '../subjects';

/**
 * Wire formats an upstream can speak; each has an adapter in `libs/providers`. The OpenAI-compatible
 * servers (deepseek … ollama) are presets of the `openai` format that declare only their differences.
 */
export const ProviderKind = z.enum([
  'openai',
  'azure-openai',
  'anthropic',
  'gemini',
  'deepseek',
  'mistral',
  'groq',
  'together',
  'fireworks',
  'openrouter',
  'vllm',
  'ollama',
]);
export type ProviderKind = z.infer<typeof ProviderKind>;

/** Kinds of input a model can take, beyond the text every model takes. */
export const InputModality = z.enum(['text', 'image', 'audio', 'file']);
export type InputModality = z.infer<typeof InputModality>;

/** What a deployment's model can do; a request needing more is refused before any upstream call. */
export const DeploymentCapabilities = z.object({
  /** Inputs the model accepts; absent: whatever its provider's API accepts. */
  input: z.array(InputModality).optional(),
  /** Whether the model can call tools; absent: it can. */
  tools: z.boolean().optional(),
});
export type DeploymentCapabilities = z.infer<typeof DeploymentCapabilities>;

/** One place a request can be sent. Credentials travel by reference (an env variable name), never by value. */
export const Deployment = z.object({
  /** Deployment id from config. */
  id: z.string().min(1),
  /** Provider id from config. */
  provider: z.string().min(1),
  kind: ProviderKind,
  /** Upstream base URL, e.g. `https://api.openai.com/v1`. */
  baseUrl: z.string().url(),
  /** Model name as the upstream knows it. */
  model: z.string().min(1),
  /** Name of the env variable holding the upstream credential, read by the proxy. */
  credentialEnv: z.string().optional(),
  /** API version the provider wants on every call (Azure OpenAI's `api-version`), when the provider config sets one. */
  apiVersion: z.string().optional(),
  capabilities: DeploymentCapabilities.optional(),
  /** The alias this candidate serves when it comes from a fallback alias rather than the one asked for. */
  alias: z.string().optional(),
  /** The deployment's own first-byte deadline, number of milliseconds (stream and non-stream alike). */
  firstByteMs: z.number().int().positive().optional(),
});
export type Deployment = z.infer<typeof Deployment>;

/** What a request is about, for `auto` routing; `general` when nothing more specific matches. */
export const RequestClass = z.enum(['coding', 'reasoning', 'creative', 'general']);
export type RequestClass = z.infer<typeof RequestClass>;

/** Longest text sample a Route request may carry, number of characters: decisions, not prompts, cross the bus. */
export const ROUTE_SAMPLE_MAX_CHARS = 512;

/**
 * Facts about a request that strategies use, computed by the proxy. All optional: a router answers a bare
 * `{ model }` with the alias's plain order.
 */
export const RouteFeatures = z.object({
  /** Whether the client asked for a stream (latency-aware routing then ranks by time to first token). */
  stream: z.boolean().optional(),
  /** Estimated prompt size, number of tokens. */
  promptTokens: z.number().int().nonnegative().optional(),
  /** Completion tokens the client allows (`max_completion_tokens` / `max_tokens`). */
  maxTokens: z.number().int().positive().optional(),
  /** The start of the last user message, for classification; never the whole prompt. */
  sample: z.string().max(ROUTE_SAMPLE_MAX_CHARS).optional(),
  /** A class the client named itself; wins over classification. */
  classHint: RequestClass.optional(),
  /** Tags every candidate must carry, e.g. `{ region: 'eu' }`; a deployment without them is never offered. */
  tags: z.record(z.string().min(1), z.string()).optional(),
});
export type RouteFeatures = z.infer<typeof RouteFeatures>;

export const Route = {
  subject: Subjects.routerRoute,
  service: 'router',
  Request: z.object({
    /** Model alias the client asked for. */
    model: Identifier,
    /** The proxy's request id: lets the router count this request against its first candidate at once. */
    requestId: Identifier.optional(),
    features: RouteFeatures.optional(),
  }),
  Response: z.object({
    alias: z.string(),
    /** Candidates in the order to try them: the alias's own, then its fallback aliases'. Never empty. */
    candidates: z.array(Deployment).min(1),
    /** The class an `auto` alias routed by. */
    class: RequestClass.optional(),
  }),
} as const;
export type RouteRequest = z.infer<typeof Route.Request>;
export type RouteResponse = z.infer<typeof Route.Response>;
