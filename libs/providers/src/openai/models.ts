import type { ListedModel } from '@aigw/contracts';

/** https://platform.openai.com/docs/api-reference/models/object */
export function openaiModel(model: ListedModel) {
  return { id: model.id, object: 'model', created: model.created, owned_by: model.ownedBy };
}

/** https://platform.openai.com/docs/api-reference/models/list: every model in one list, no pagination. */
export function openaiModelList(models: readonly ListedModel[]) {
  return { object: 'list', data: models.map(openaiModel) };
}
