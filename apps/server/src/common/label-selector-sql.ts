import type { SelectQueryBuilder, ObjectLiteral } from 'typeorm';
import { parseLabelSelector, LabelRequirement } from '@corral/domain';
import { FieldValidationException } from './field-validation.exception';

/**
 * Applies a Kubernetes label selector to a jsonb `labels` column in SQL, so filtering and
 * keyset pagination compose. The selector grammar itself lives in @corral/domain.
 */
export function whereLabelsMatch<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, alias: string, selector: string, field = 'labelSelector'): SelectQueryBuilder<T> {
  let requirements: LabelRequirement[];
  try {
    requirements = parseLabelSelector(selector);
  } catch (err) {
    throw FieldValidationException.field(field, (err as Error).message);
  }
  requirements.forEach((req, i) => {
    const key = `ls_key_${i}`;
    const values = `ls_values_${i}`;
    const column = `${alias}.labels`;
    switch (req.operator) {
      case 'Exists':
        qb.andWhere(`jsonb_exists(${column}, :${key})`, { [key]: req.key });
        break;
      case 'DoesNotExist':
        qb.andWhere(`NOT (jsonb_exists(${column}, :${key}))`, { [key]: req.key });
        break;
      case 'In':
        qb.andWhere(`${column} ->> :${key} IN (:...${values})`, { [key]: req.key, [values]: req.values });
        break;
      case 'NotIn':
        qb.andWhere(`(${column} ->> :${key} IS NULL OR ${column} ->> :${key} NOT IN (:...${values}))`, { [key]: req.key, [values]: req.values });
        break;
    }
  });
  return qb;
}
