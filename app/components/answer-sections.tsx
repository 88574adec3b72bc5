/** A bid's answers, one summary list per section, with links to its documents (fund managers' and assessors' views). */
import type { AnswerLine } from '~/domain/applications/answers.ts'
import { SummaryRow } from './summary-list.tsx'

export interface AnswerSection {
  number: number
  title: string
  answers: { key: string; label: string; lines: AnswerLine[] }[]
}

export function AnswerSections({ sections, headingLevel }: { sections: AnswerSection[]; headingLevel: 2 | 3 }) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3'
  return (
    <>
      {sections.map((s) => (
        <section key={s.number} aria-labelledby={`section-${s.number}`}>
          <Heading id={`section-${s.number}`}>{s.title}</Heading>
          <dl className="summary-list">
            {s.answers.map((a) => (
              <SummaryRow key={a.key} label={a.label}>
                {a.lines.map((line, i) =>
                  line.documentId ? (
                    <p key={i}>
                      <a href={`/documents/${line.documentId}`}>{line.text}</a>
                    </p>
                  ) : (
                    <p key={i}>{line.text}</p>
                  ),
                )}
              </SummaryRow>
            ))}
          </dl>
        </section>
      ))}
    </>
  )
}
