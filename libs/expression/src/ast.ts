/** Syntax tree of a filter or ETL expression. Only these nodes exist: nothing else can be expressed. */
export type Node =
  | { readonly k: 'null' }
  | { readonly k: 'int'; readonly v: bigint }
  | { readonly k: 'dec'; readonly text: string }
  | { readonly k: 'float'; readonly text: string }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'hex'; readonly v: Uint8Array }
  | { readonly k: 'col'; readonly name: string; readonly index: number }
  | { readonly k: 'neg'; readonly a: Node }
  | { readonly k: 'not'; readonly a: Node }
  | { readonly k: 'bin'; readonly op: BinOp; readonly a: Node; readonly b: Node }
  | { readonly k: 'is'; readonly a: Node; readonly what: 'NULL' | 'TRUE' | 'FALSE'; readonly not: boolean }
  | { readonly k: 'in'; readonly a: Node; readonly list: readonly Node[]; readonly not: boolean }
  | { readonly k: 'between'; readonly a: Node; readonly lo: Node; readonly hi: Node; readonly not: boolean }
  | { readonly k: 'like'; readonly a: Node; readonly pattern: Node; readonly escape: string; readonly not: boolean }
  | {
      readonly k: 'case';
      readonly subject: Node | undefined;
      readonly whens: readonly (readonly [Node, Node])[];
      readonly otherwise: Node | undefined;
    }
  | { readonly k: 'fn'; readonly name: string; readonly args: readonly Node[] };

export type BinOp =
  '+' | '-' | '*' | '/' | 'DIV' | '%' | '=' | '<=>' | '<>' | '<' | '<=' | '>' | '>=' | 'AND' | 'OR' | 'XOR';

/** A table column as expressions see it. */
export interface ExprColumn {
  readonly name: string;
  /** information_schema DATA_TYPE, lower case. */
  readonly dataType: string;
  /** Column collation: its name gives case sensitivity and padding (values.ts collationOf). */
  readonly collation?: string;
}

/** A parsed, validated expression: columns are resolved to the table's own names. */
export interface Expression {
  readonly ast: Node;
  /** The table columns the expression reads, in `Node.col.index` order. */
  readonly columns: readonly string[];
  /** Names the expression in messages, e.g. "filter of shop.orders". */
  readonly what: string;
}
