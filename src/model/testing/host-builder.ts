/** The host builder moved to model/examples (the demo boots its host with it); tests keep importing it from here. */
export * from '../examples/host-builder.js';
