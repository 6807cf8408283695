package dev.feedloop.model.generate;

import java.util.List;

/**
 * One sampled token as it is streamed.
 *
 * @param id the token
 * @param logProb its log-prob under the model's raw distribution (temperature 1, before
 *     top-k/top-p)
 * @param top the most likely tokens at this step, best first, as many as the row asked for
 * @param text the text this token releases: possibly empty (an incomplete character, or text that
 *     may begin a stop string, is held back), possibly more than the token's own (held text
 *     released)
 */
public record GeneratedToken(long id, float logProb, List<TokenLogProb> top, String text) {}
