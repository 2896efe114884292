export { runScenarioFile, rewriteRequested, type ScenarioCase } from './datadriven.js';
