import type { Deployment, InputModality } from '@aigw/contracts';
import type { ClientBody, Unsupported } from '../types';

/** A parameter a provider cannot express, and when: `refuseWhen` holds for the client's value. */
export interface Refusal {
  refuseWhen(value: unknown): boolean;
  /** What the parameter asked for, e.g. "more than one choice". */
  what: string;
}

/** The parameters a provider refuses, by name: a declaration, applied by `checkRequest`. */
export type Refusals = Readonly<Record<string, Refusal>>;

const isSet = (v: unknown) => v !== undefined && v !== null && v !== false;

/** Common refusal conditions. */
export const when = {
  set: isSet,
  above: (limit: number) => (v: unknown) => typeof v === 'number' && v > limit,
  nonZero: (v: unknown) => typeof v === 'number' && v !== 0,
  nonEmpty: (v: unknown) => (Array.isArray(v) ? v.length > 0 : typeof v === 'object' && v !== null && Object.keys(v).length > 0),
  typeOtherThan:
    (...types: string[]) =>
    (v: unknown) =>
      typeof v === 'object' && v !== null && !types.includes(String((v as { type?: unknown }).type)),
  includesOtherThan:
    (...values: string[]) =>
    (v: unknown) =>
      Array.isArray(v) && v.some((x) => !values.includes(String(x))),
} as const;

/** Input kind of a content part, in OpenAI's and Anthropic's vocabularies; undefined for text and the unknown. */
const modalityOfPart: Readonly<Record<string, InputModality>> = {
  image_url: 'image',
  image: 'image',
  input_audio: 'audio',
  file: 'file',
  document: 'file',
};

function* contentParts(body: ClientBody): Generator<{ part: Record<string, unknown>; param: string }> {
  const messages = body.messages;
  if (!Array.isArray(messages)) return;
  for (let i = 0; i < messages.length; i += 1) {
    const content = (messages[i] as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) continue;
    for (let j = 0; j < content.length; j += 1) {
      const part = content[j] as unknown;
      if (typeof part !== 'object' || part === null) continue;
      yield { part: part as Record<string, unknown>, param: `messages[${i}].content[${j}]` };
      // Anthropic's tool results nest content of their own (images included).
      const nested = (part as { content?: unknown }).content;
      if (!Array.isArray(nested)) continue;
      for (let k = 0; k < nested.length; k += 1) {
        const inner = nested[k] as unknown;
        if (typeof inner === 'object' && inner !== null) {
          yield { part: inner as Record<string, unknown>, param: `messages[${i}].content[${j}].content[${k}]` };
        }
      }
    }
  }
}

/**
 * Whether `deployment` can serve `body` (OpenAI or Anthropic format, unvalidated): the provider's refused
 * parameters, then the model's declared capabilities (tools, input kinds). The first problem is reported
 * as a message that names the parameter, the provider and the deployment.
 */
export function checkRequest(
  body: ClientBody,
  deployment: Deployment,
  limits: { refusals?: Refusals; inputs?: readonly InputModality[] },
): Unsupported | undefined {
  const where = `${deployment.kind} (deployment '${deployment.id}')`;
  for (const [param, refusal] of Object.entries(limits.refusals ?? {})) {
    if (Object.hasOwn(body, param) && refusal.refuseWhen(body[param])) {
      return { param, message: `'${param}' (${refusal.what}) is not supported by ${where}.` };
    }
  }
  const caps = deployment.capabilities;
  if (caps?.tools === false && Array.isArray(body.tools) && body.tools.length > 0) {
    return { param: 'tools', message: `'tools' is not supported by ${where}: its model cannot call tools.` };
  }
  const inputs = caps?.input ?? limits.inputs;
  if (!inputs) return undefined;
  for (const { part, param } of contentParts(body)) {
    const modality = modalityOfPart[String(part.type)];
    if (modality && !inputs.includes(modality)) {
      return { param, message: `'${param}' is ${modality} input, which ${where} does not accept.` };
    }
  }
  return undefined;
}
