/**
 * Settings: reads the `taskscope` section (workspace/configuration, or the payload of
 * didChangeConfiguration / initializationOptions for clients without it) into plain `Settings`.
 * Accepted shapes per rule, under `taskscope.rules`: `{ "enabled": false, "severity": "hint" }`,
 * a severity string, `"off"`, or a boolean. Invalid values are logged and ignored.
 */
import type { RuleSetting, Severity } from '../engine';
import type { Session, Settings } from './session';

const SEVERITIES = new Set<Severity>(['error', 'warning', 'information', 'hint']);

export function parseSettings(raw: unknown, log: (m: string) => void): Settings {
  const settings: Settings = { rules: {} };
  if (!raw || typeof raw !== 'object') return settings;
  const obj = raw as Record<string, unknown>;
  if (typeof obj.pythonVersion === 'string' && obj.pythonVersion.trim()) {
    if (/^3\.\d+$/.test(obj.pythonVersion.trim())) settings.pythonVersion = obj.pythonVersion.trim();
    else log(`ignoring taskscope.pythonVersion '${obj.pythonVersion}' (expected 3.X)`);
  }
  const rules = obj.rules;
  if (rules && typeof rules === 'object') {
    for (const [name, value] of Object.entries(rules as Record<string, unknown>)) {
      const setting = parseRuleSetting(value);
      if (setting) settings.rules[name] = setting;
      else log(`ignoring taskscope.rules.${name}: ${JSON.stringify(value)}`);
    }
  }
  return settings;
}

function parseRuleSetting(value: unknown): RuleSetting | null {
  if (typeof value === 'boolean') return { enabled: value };
  if (typeof value === 'string') {
    if (value === 'off' || value === 'none') return { enabled: false };
    return SEVERITIES.has(value as Severity) ? { enabled: true, severity: value as Severity } : null;
  }
  if (!value || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  const setting: RuleSetting = {};
  if (typeof v.enabled === 'boolean') setting.enabled = v.enabled;
  if (typeof v.severity === 'string') {
    if (v.severity === 'off') setting.enabled = false;
    else if (SEVERITIES.has(v.severity as Severity)) setting.severity = v.severity as Severity;
    else return null;
  }
  return setting;
}

/** Fetches settings from the client when it serves workspace/configuration; else uses `fallback`. */
export async function loadSettings(session: Session, fallback?: unknown): Promise<Settings> {
  let raw: unknown = fallback;
  if (session.client.configuration) {
    try {
      raw = await session.connection.workspace.getConfiguration({ section: 'taskscope' });
    } catch (e) {
      session.log(`cannot read settings: ${(e as Error).message}`);
    }
  }
  return parseSettings(raw, session.log);
}

/** Applies settings to the session and the engine. */
export function applySettings(session: Session, settings: Settings): void {
  session.settings = settings;
  session.engine.configure({ rules: settings.rules, pythonVersion: settings.pythonVersion });
}
