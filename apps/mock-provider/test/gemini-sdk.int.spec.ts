import { ApiError, FunctionCallingConfigMode, GoogleGenAI, Type, type FunctionDeclaration } from '@google/genai';
import { startMockProvider, type MockProvider } from '../src/server';

const lights: FunctionDeclaration = {
  name: 'set_light_values',
  description: 'Sets the brightness and color temperature of a light.',
  parameters: {
    type: Type.OBJECT,
    properties: { brightness: { type: Type.NUMBER }, color_temp: { type: Type.STRING, enum: ['daylight', 'cool', 'warm'] } },
    required: ['brightness', 'color_temp'],
  },
};

describe('the Gemini dialect through the official @google/genai SDK', () => {
  let mock: MockProvider;
  let ai: GoogleGenAI;

  beforeAll(async () => {
    mock = await startMockProvider({ behavior: { chunks: 3 } });
    ai = new GoogleGenAI({ apiKey: 'AIza-test', httpOptions: { baseUrl: `${mock.url}/gemini` } });
  });
  afterAll(() => mock.close());
  afterEach(() => mock.resetBehavior());

  it('gemini sdk – parses a generateContent answer, text and usage metadata', async () => {
    const response = await ai.models.generateContent({
      model: 'gemini-test',
      contents: 'one two three',
      config: { systemInstruction: 'Echo.' },
    });
    expect(response.text).toBe('one two three');
    expect(response.candidates?.[0]?.finishReason).toBe('STOP');
    expect(response.usageMetadata).toMatchObject({ promptTokenCount: 4, candidatesTokenCount: 3, totalTokenCount: 7 });
    expect(response.modelVersion).toBe('gemini-test');
  });

  it('gemini sdk – counts the prompt tokens generateContent reports, for contents or a whole request', async () => {
    const counted = await ai.models.countTokens({ model: 'gemini-test', contents: 'one two three' });
    expect(counted.totalTokens).toBe(3);
    const generated = await ai.models.generateContent({ model: 'gemini-test', contents: 'one two three' });
    expect(generated.usageMetadata?.promptTokenCount).toBe(3);
    const whole = await fetch(`${mock.url}/gemini/v1beta/models/gemini-test:countTokens`, {
      method: 'POST',
      headers: { 'x-goog-api-key': 'AIza-test', 'content-type': 'application/json' },
      body: JSON.stringify({
        generateContentRequest: { model: 'models/gemini-test', systemInstruction: { parts: [{ text: 'Echo.' }] }, contents: [{ role: 'user', parts: [{ text: 'one two three' }] }] },
      }),
    });
    expect(await whole.json()).toEqual({ totalTokens: 4, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 4 }] });
    const both = await fetch(`${mock.url}/gemini/v1beta/models/gemini-test:countTokens`, {
      method: 'POST',
      headers: { 'x-goog-api-key': 'AIza-test', 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'x' }] }], generateContentRequest: { model: 'models/gemini-test', contents: [{ parts: [{ text: 'x' }] }] } }),
    });
    expect(both.status).toBe(400);
    expect(await both.json()).toMatchObject({ error: { status: 'INVALID_ARGUMENT', message: expect.stringContaining('mutually exclusive') } });
  });

  it('gemini sdk – streams the partial answers over SSE', async () => {
    const stream = await ai.models.generateContentStream({ model: 'gemini-test', contents: 'stream me now' });
    const texts: string[] = [];
    let last;
    for await (const chunk of stream) {
      texts.push(chunk.text ?? '');
      last = chunk;
    }
    expect(texts).toHaveLength(3);
    expect(texts.join('')).toBe('stream me now');
    expect(last?.candidates?.[0]?.finishReason).toBe('STOP');
    expect(last?.usageMetadata).toMatchObject({ promptTokenCount: 3, candidatesTokenCount: 3 });
  });

  it('gemini sdk – a function call round trip, the call streamed whole', async () => {
    const config = { tools: [{ functionDeclarations: [lights] }], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } } };
    const first = await ai.models.generateContent({ model: 'gemini-test', contents: 'Dim the lights', config });
    expect(first.functionCalls).toEqual([{ name: 'set_light_values', args: { brightness: 1, color_temp: 'daylight' } }]);

    const stream = await ai.models.generateContentStream({ model: 'gemini-test', contents: 'Dim the lights', config });
    const calls = [];
    for await (const chunk of stream) calls.push(...(chunk.functionCalls ?? []));
    expect(calls).toEqual(first.functionCalls);

    const second = await ai.models.generateContent({
      model: 'gemini-test',
      contents: [
        { role: 'user', parts: [{ text: 'Dim the lights' }] },
        { role: 'model', parts: [{ functionCall: first.functionCalls![0] }] },
        { role: 'user', parts: [{ functionResponse: { name: 'set_light_values', response: { brightness: 1 } } }] },
      ],
      config: { tools: config.tools },
    });
    expect(second.text).toBe('Tool result: {"brightness":1}');
  });

  it('gemini sdk – embeds one content and a batch', async () => {
    const one = await ai.models.embedContent({ model: 'embedding-test', contents: 'hello', config: { outputDimensionality: 4 } });
    expect(one.embeddings).toHaveLength(1);
    expect(one.embeddings![0]!.values).toHaveLength(4);
    const batch = await ai.models.embedContent({ model: 'embedding-test', contents: ['a', 'b', 'hello'], config: { outputDimensionality: 4 } });
    expect(batch.embeddings).toHaveLength(3);
    expect(batch.embeddings![2]!.values).toEqual(one.embeddings![0]!.values);
  });

  it('gemini sdk – raises ApiError with the status for Google’s error bodies', async () => {
    const denied = await startMockProvider({ apiKey: 'right' });
    try {
      const err = await new GoogleGenAI({ apiKey: 'wrong', httpOptions: { baseUrl: `${denied.url}/gemini` } }).models
        .generateContent({ model: 'm', contents: 'x' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(400);
      expect((err as ApiError).message).toContain('API key not valid');
    } finally {
      await denied.close();
    }
    mock.setBehavior({ faultStatus: 429 });
    const limited = await ai.models.generateContent({ model: 'm', contents: 'x' }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(ApiError);
    expect((limited as ApiError).status).toBe(429);
    expect((limited as ApiError).message).toContain('RESOURCE_EXHAUSTED');
  });

  it('gemini sdk – lists the models', async () => {
    const pager = await ai.models.list();
    const names: string[] = [];
    for await (const model of pager) names.push(model.name ?? '');
    expect(names).toContain('models/mock-gpt-4o-mini');
  });
});
