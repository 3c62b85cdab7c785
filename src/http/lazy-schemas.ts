import AjvCompiler from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';

type ValidatorFactory = AjvCompiler.ValidatorFactory;
type SerializerFactory = SerializerSelector.SerializerFactory;
type Validate = ((data: unknown, ctx?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };

/**
 * Fastify's own compilers (Ajv for requests, fast-json-stringify for answers), each schema compiled
 * on its route's first use instead of all at start. Most routes (admin, enrolment, recovery) are
 * rarely called, and the generated code of every validator and serializer, held from start-up,
 * was ~3 MB of an idle server's heap (bench/README.md). Same schemas, same options, same results.
 * One difference: Fastify lower-cases the keys of a `headers` schema only for its default compiler,
 * so header schemas here must name headers in lower case (as HTTP/2 and Node deliver them).
 */
export function lazySchemaCompilers(): { buildValidator: ValidatorFactory; buildSerializer: SerializerFactory } {
  const buildValidator = AjvCompiler();
  const buildSerializer = SerializerSelector();
  const lazyValidator: ValidatorFactory = (externalSchemas, options) => {
    const compile = buildValidator(externalSchemas, options);
    return (route) => {
      let validate: Validate | undefined;
      const lazy: Validate = (data, ctx) => {
        validate ??= compile(route) as unknown as Validate;
        // Fastify hands Ajv validators the parent object (so coercion may replace the root value)
        // only when it sees `schemaEnv`, and reads `errors` from the function it called.
        const result = validate.schemaEnv ? validate(data, ctx) : validate(data);
        lazy.errors = validate.errors;
        return result;
      };
      lazy.schemaEnv = true;
      return lazy as unknown as ReturnType<ReturnType<ValidatorFactory>>;
    };
  };
  const lazySerializer: SerializerFactory = (externalSchemas, options) => {
    const compile = buildSerializer(externalSchemas, options);
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined;
      return (doc) => (serialize ??= compile(route))(doc);
    };
  };
  return { buildValidator: lazyValidator, buildSerializer: lazySerializer };
}
