import type { ChatMessage, ChatRequest, FunctionTool, ToolChoice } from '../openai/chat-request';
import type { ParameterSchema } from '../tool-arguments';
import { invalid } from './errors';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Block types the mock reads; others Anthropic documents are accepted and ignored. */
const BLOCK_TYPES = new Set(['text', 'image', 'document', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking', 'search_result']);

function text(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b) => (isObject(b) && b.type === 'text' && typeof b.text === 'string' ? b.text : '')).join('\n');
}

function blocksOf(content: unknown, at: string): Json[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) invalid(`${at}.content: Input should be a valid string or list`);
  return content.map((block: unknown, j) => {
    if (!isObject(block)) invalid(`${at}.content.${j}: Input should be a valid dictionary`);
    if (typeof block.type !== 'string' || !BLOCK_TYPES.has(block.type)) invalid(`${at}.content.${j}.type: Input tag '${String(block.type)}' is not a known content block type`);
    if (block.type === 'text' && (typeof block.text !== 'string' || block.text === '')) invalid(`${at}.content.${j}.text: text content blocks must be non-empty`);
    if (block.type === 'tool_use' && (typeof block.id !== 'string' || typeof block.name !== 'string' || !isObject(block.input))) {
      invalid(`${at}.content.${j}.tool_use: id, name and an input object are required`);
    }
    if (block.type === 'tool_result' && typeof block.tool_use_id !== 'string') invalid(`${at}.content.${j}.tool_result.tool_use_id: Field required`);
    return block;
  });
}

/**
 * Anthropic's rule for tool use: every `tool_use` of an assistant turn is answered by a `tool_result` in
 * the very next user turn, and a `tool_result` answers a `tool_use` of the turn just before.
 * https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use#handling-tool-use-and-tool-result-content-blocks
 */
function checkToolPairs(turns: Array<{ role: string; blocks: Json[] }>): void {
  turns.forEach((turn, i) => {
    const previous = turns[i - 1];
    const asked = new Set(previous?.role === 'assistant' ? previous.blocks.filter((b) => b.type === 'tool_use').map((b) => b.id as string) : []);
    if (turn.role === 'user') {
      turn.blocks.forEach((block, j) => {
        if (block.type === 'tool_result' && !asked.has(block.tool_use_id as string)) {
          invalid(
            `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block.tool_use_id)}. ` +
              'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
          );
        }
      });
    }
    if (turn.role === 'assistant') {
      const uses = turn.blocks.filter((b) => b.type === 'tool_use').map((b) => b.id as string);
      const next = turns[i + 1];
      if (uses.length === 0 || !next) return;
      const answered = new Set(next.role === 'user' ? next.blocks.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id as string) : []);
      const missing = uses.filter((id) => !answered.has(id));
      if (missing.length > 0) {
        invalid(
          `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. ` +
            'Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
        );
      }
    }
  });
}

function toolsOf(value: unknown): FunctionTool[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) invalid('tools: Input should be a valid list');
  return value.map((tool: unknown, i) => {
    if (!isObject(tool) || typeof tool.name !== 'string' || tool.name === '') invalid(`tools.${i}.name: Field required`);
    if (tool.type === undefined || tool.type === 'custom') {
      if (!isObject(tool.input_schema)) invalid(`tools.${i}.custom.input_schema: Field required`);
    }
    return { name: tool.name, parameters: tool.input_schema as ParameterSchema | undefined };
  });
}

function toolChoiceOf(value: unknown, tools: readonly FunctionTool[]): ToolChoice {
  if (value === undefined) return 'auto';
  if (!isObject(value)) invalid('tool_choice: Input should be a valid dictionary');
  switch (value.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      if (typeof value.name !== 'string' || !tools.some((t) => t.name === value.name)) invalid(`tool_choice.name: Tool '${String(value.name)}' not found in 'tools'`);
      return { name: value.name };
    default:
      return invalid(`tool_choice.type: Input tag '${String(value.type)}' is not one of 'auto', 'any', 'tool', 'none'`);
  }
}

/**
 * Validates a Messages body the way Anthropic does, for the fields the mock reads, and reduces it to the
 * request the shared reply planner takes: the system prompt and each turn as text, a user turn that
 * carries tool results as a `tool` message (its result text), so the reply is the same as OpenAI's.
 * `version2026`: the request names API version 2026-10-21, which refuses `temperature`, `top_p`, `top_k`.
 * `purpose` `count`: a body for `count_tokens`, which takes no `max_tokens`.
 * https://docs.anthropic.com/en/api/messages https://docs.anthropic.com/en/api/messages-count-tokens
 */
export function parseMessagesRequest(raw: unknown, version2026 = false, purpose: 'create' | 'count' = 'create'): ChatRequest {
  if (!isObject(raw)) invalid('Input should be a valid dictionary');
  // API version 2026-10-21 removed the sampling parameters. https://docs.anthropic.com/en/api/versioning
  for (const param of version2026 ? ['temperature', 'top_p', 'top_k'] : []) {
    if (raw[param] !== undefined) invalid(`${param}: Extra inputs are not permitted in API version 2026-10-21`);
  }
  if (typeof raw.model !== 'string' || raw.model === '') invalid('model: Field required');
  // Counting takes the conversation only: what it would cost as a prompt, whatever the answer's length.
  if (purpose === 'create') {
    if (raw.max_tokens === undefined) invalid('max_tokens: Field required');
    if (typeof raw.max_tokens !== 'number' || !Number.isInteger(raw.max_tokens) || raw.max_tokens < 1) invalid('max_tokens: Input should be a valid integer greater than or equal to 1');
  }
  if (raw.messages === undefined) invalid('messages: Field required');
  if (!Array.isArray(raw.messages)) invalid('messages: Input should be a valid list');
  if (raw.messages.length === 0) invalid('messages: at least one message is required');
  if (raw.stream !== undefined && typeof raw.stream !== 'boolean') invalid('stream: Input should be a valid boolean');
  if (raw.temperature !== undefined && (typeof raw.temperature !== 'number' || raw.temperature < 0 || raw.temperature > 1)) {
    invalid('temperature: Input should be less than or equal to 1');
  }
  if (raw.system !== undefined && typeof raw.system !== 'string' && !Array.isArray(raw.system)) invalid('system: Input should be a valid string or list');

  const turns = raw.messages.map((m: unknown, i) => {
    if (!isObject(m)) invalid(`messages.${i}: Input should be a valid dictionary`);
    if (m.role !== 'user' && m.role !== 'assistant') invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (m.content === undefined) invalid(`messages.${i}.content: Field required`);
    return { role: m.role, blocks: blocksOf(m.content, `messages.${i}`) };
  });
  checkToolPairs(turns);

  const messages: ChatMessage[] = [];
  const system = text(raw.system);
  if (system !== '') messages.push({ role: 'system', text: system });
  for (const turn of turns) {
    const results = turn.blocks.filter((b) => b.type === 'tool_result');
    if (results.length > 0) messages.push({ role: 'tool', text: results.map((b) => text(b.content)).join('\n') });
    else messages.push({ role: turn.role as 'user' | 'assistant', text: text(turn.blocks) });
  }
  const tools = toolsOf(raw.tools);
  return {
    model: raw.model,
    messages,
    stream: raw.stream === true,
    includeUsage: false,
    n: 1,
    maxTokens: purpose === 'create' ? (raw.max_tokens as number) : undefined,
    tools,
    toolChoice: toolChoiceOf(raw.tool_choice, tools),
  };
}
