package dev.feedloop.users;

import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.synthetic.SelfName;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One simulated user: an id (sent as OpenAI's {@code user} and as the feedback's {@code user_id})
 * and the taste it judges answers by.
 *
 * @param id the user's id
 * @param taste what this user wants: the hidden preference, or for users of another taste its
 *     opposite
 * @param otherTaste whether this user is one of the noise's users of another taste
 */
public record SimulatedUser(String id, HiddenPreference taste, boolean otherTaste) {

  /**
   * {@code count} users for a seed: the same seed gives the same users. A share {@link
   * Noise#otherTaste()} of them wants the opposite of {@code preference} on every attribute it
   * names.
   */
  public static List<SimulatedUser> population(
      String idPrefix, int count, HiddenPreference preference, Noise noise, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<SimulatedUser> users = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      boolean other = random.nextDouble() < noise.otherTaste();
      users.add(
          new SimulatedUser(
              String.format("%s-%04d", idPrefix, i),
              other ? opposite(preference, random) : preference,
              other));
    }
    return users;
  }

  /** The other value of every attribute {@code preference} names; another name picked at random. */
  static HiddenPreference opposite(HiddenPreference preference, SplittableRandom random) {
    SelfName name = null;
    if (preference.name() != null) {
      List<SelfName> others =
          List.of(SelfName.values()).stream().filter(n -> n != preference.name()).toList();
      name = others.get(random.nextInt(others.size()));
    }
    return new HiddenPreference(
        name,
        preference.polite() == null ? null : !preference.polite(),
        preference.brief() == null ? null : !preference.brief());
  }
}
