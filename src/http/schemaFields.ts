import { safeParse, type $ZodType, type $ZodTypes } from "zod/v4/core";

/**
 * Where fields live in a zod schema, for the hints of `issueDetails`. A template names a
 * place in the input with the array elements as `[]` and record values as `*`, e.g.
 * `["items", "[]", "grant"]` for every item's grant.
 */
export type Template = readonly string[];

/** How deep a walk goes: far beyond any input schema here, and it stops recursive (lazy) schemas. */
const MAX_DEPTH = 24;

type ObjectDef = Extract<$ZodTypes, { _zod: { def: { type: "object" } } }>["_zod"]["def"];

/** The schema without optional, nullable, default, pipe (its input side), lazy and similar wrappers. */
function unwrap(schema: $ZodType): $ZodType {
  let current = schema;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const def = (current as $ZodTypes)._zod.def;
    if ("innerType" in def) current = def.innerType;
    else if (def.type === "pipe") current = def.in;
    else if (def.type === "lazy") current = def.getter();
    else return current;
  }
  return current;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The alternatives a value may take: a union's options (for a discriminated union only the
 * branch the value's discriminator picks, when it picks one) and both halves of an intersection.
 */
function branches(schema: $ZodType, value: unknown, depth = 0): $ZodType[] {
  const bare = unwrap(schema);
  const def = (bare as $ZodTypes)._zod.def;
  if (depth > MAX_DEPTH) return [];
  if (def.type === "union") {
    let options = [...def.options];
    const discriminator = "discriminator" in def ? def.discriminator : undefined;
    if (typeof discriminator === "string" && isRecord(value)) {
      const picked = options.filter((option) => {
        const field = objectDef(unwrap(option))?.shape[discriminator];
        return field !== undefined && safeParse(field, value[discriminator]).success;
      });
      if (picked.length > 0) options = picked;
    }
    return options.flatMap((option) => branches(option, value, depth + 1));
  }
  if (def.type === "intersection")
    return [...branches(def.left, value, depth + 1), ...branches(def.right, value, depth + 1)];
  return [bare];
}

function objectDef(schema: $ZodType): ObjectDef | null {
  const def = (schema as $ZodTypes)._zod.def;
  return def.type === "object" ? def : null;
}

/**
 * The object schemas that describe the value at `path` in `raw`, and that place's template.
 * Several objects when a union's branch cannot be told; none when the path leads nowhere.
 */
export function locate(
  schema: $ZodType,
  path: readonly PropertyKey[],
  raw: unknown,
): { objects: ObjectDef[]; template: Template } {
  let nodes: { schema: $ZodType; value: unknown }[] = [{ schema, value: raw }];
  const template: string[] = [];
  for (const segment of path) {
    let step = String(segment);
    nodes = nodes.flatMap(({ schema: node, value }) =>
      branches(node, value).flatMap((branch) => {
        const def = (branch as $ZodTypes)._zod.def;
        const child = isRecord(value) || Array.isArray(value) ? (value as Record<string, unknown>)[step] : undefined;
        if (def.type === "object") {
          const field = def.shape[step];
          return field ? [{ schema: field, value: child }] : [];
        }
        if (def.type === "array" && typeof segment === "number") {
          step = "[]";
          return [{ schema: def.element, value: child }];
        }
        if (def.type === "record") {
          step = "*";
          return [{ schema: def.valueType, value: child }];
        }
        return [];
      }),
    );
    template.push(step);
  }
  const objects = nodes.flatMap(({ schema: node, value }) =>
    branches(node, value).flatMap((branch) => objectDef(branch) ?? []),
  );
  return { objects, template };
}

const placesCache = new WeakMap<$ZodType, Map<string, Template[]>>();

/** Every field name of the schema with the templates of the objects that have it. */
export function fieldPlaces(schema: $ZodType): Map<string, Template[]> {
  const cached = placesCache.get(schema);
  if (cached) return cached;
  const places = new Map<string, Template[]>();
  const walk = (node: $ZodType, template: string[]): void => {
    if (template.length > MAX_DEPTH) return;
    for (const branch of branches(node, undefined)) {
      const def = (branch as $ZodTypes)._zod.def;
      if (def.type === "object") {
        for (const [name, field] of Object.entries(def.shape)) {
          const known = places.get(name) ?? [];
          if (!known.some((t) => t.join(".") === template.join("."))) known.push(template);
          places.set(name, known);
          walk(field, [...template, name]);
        }
      } else if (def.type === "array") walk(def.element, [...template, "[]"]);
      else if (def.type === "record") walk(def.valueType, [...template, "*"]);
    }
  };
  walk(schema, []);
  placesCache.set(schema, places);
  return places;
}

/** `["items", "[]", "grant"]` → `items[].grant`. */
export function templateText(template: Template): string {
  return template.reduce(
    (text, segment) => (segment === "[]" ? `${text}[]` : text ? `${text}.${segment}` : segment),
    "",
  );
}
