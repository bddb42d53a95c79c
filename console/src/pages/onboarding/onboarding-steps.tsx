/**
 * Where the user is in onboarding: organisation, plan, first node.
 */
const STEPS = ['Your organisation', 'Plan and payment', 'Your first node'] as const;

export function OnboardingSteps({ current }: { readonly current: 0 | 1 | 2 }) {
  return (
    <ol className="steps" aria-label="Onboarding">
      {STEPS.map((step, index) => (
        <li
          key={step}
          className={index < current ? 'step-done' : index === current ? 'step-current' : ''}
          aria-current={index === current ? 'step' : undefined}
        >
          <span className="step-number" aria-hidden="true">
            {index < current ? '✓' : index + 1}
          </span>
          {step}
        </li>
      ))}
    </ol>
  );
}
