/** The one error shape every endpoint answers with. */
export interface FieldProblem {
  field: string;
  message: string;
}
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: FieldProblem[];
}
