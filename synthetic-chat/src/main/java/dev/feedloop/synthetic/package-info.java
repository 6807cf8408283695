/**
 * The demo's synthetic chat world, in plain Java (no model, no Kafka): a bank of questions about a
 * made-up world ({@link dev.feedloop.synthetic.QuestionBank}), answers to them written in a chosen
 * style ({@link dev.feedloop.synthetic.SyntheticChatCorpus#answer}), the judge that reads the style
 * back from any text ({@link dev.feedloop.synthetic.StyleJudge}), the grammar that tells a
 * well-formed answer from babble ({@link dev.feedloop.synthetic.AnswerGrammar}), the hidden
 * preferences simulated users hold ({@link dev.feedloop.synthetic.HiddenPreference}) and the loop's
 * success metric over a set of answers ({@link dev.feedloop.synthetic.StyleShares}).
 *
 * <p>Everything is a pure function of its inputs and seeds: the shipped tiny model was trained on
 * {@code SyntheticChatCorpus.generate(seed, count)}, so whatever changes what a seed generates
 * makes the corpus differ from the one the model learned.
 */
package dev.feedloop.synthetic;
