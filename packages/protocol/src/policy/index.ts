// The policy language: parse, evaluate, implicit meta.
export {};
