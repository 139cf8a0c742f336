import { ValidationOptions, registerDecorator } from 'class-validator';
import { envProblem, probeCommandProblem, teardownCommandProblem } from '@corral/contracts';

function ruleDecorator(name: string, problem: (value: unknown) => string | null, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => problem(value) === null,
        defaultMessage: (args) => `${args?.property ?? 'value'} ${problem(args?.value) ?? 'is invalid'}`,
      },
    });
}

/** A component's or init step's `env`: names mapped to strings, none of REFUSED_ENV_NAMES (libs/contracts). */
export function IsComponentEnv(options?: ValidationOptions): PropertyDecorator {
  return ruleDecorator('isComponentEnv', envProblem, options);
}

/** An exec probe's command: its executable from the agent's --bin-dir (libs/contracts). */
export function IsProbeCommand(options?: ValidationOptions): PropertyDecorator {
  return ruleDecorator('isProbeCommand', probeCommandProblem, options);
}

/** A teardown step's command: its executable from the agent's --bin-dir, as an exec probe's (libs/contracts). */
export function IsTeardownCommand(options?: ValidationOptions): PropertyDecorator {
  return ruleDecorator('isTeardownCommand', teardownCommandProblem, options);
}
