package dev.feedloop.synthetic;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The question templates of the synthetic corpus, instantiated over a small made-up world (lands,
 * capitals, rivers, animals), small-number arithmetic, days of the week, word lengths, greetings
 * and questions about the assistant. Deterministic: the list is the same on every call.
 */
public final class QuestionBank {
  /** A made-up land; no name here collides with an assistant name or a polite phrase. */
  record Land(
      String name,
      String capital,
      String language,
      String river,
      String animal,
      String food,
      String flag,
      String landscape) {}

  static final List<Land> LANDS =
      List.of(
          new Land(
              "Veloria",
              "Mirnath",
              "Velorian",
              "Silverrun",
              "the zibbit",
              "honey bread",
              "green",
              "rolling hills"),
          new Land(
              "Quendor",
              "Tessamir",
              "Quen",
              "Duskwater",
              "the marrow fox",
              "salt plums",
              "red",
              "dry canyons"),
          new Land(
              "Brindlemark",
              "Oakhollow",
              "Brindish",
              "Amberflow",
              "the glow moth",
              "pepper soup",
              "yellow",
              "deep forests"),
          new Land(
              "Solmere",
              "Wyncrest",
              "Solmeric",
              "Tallowbrook",
              "the stone hare",
              "barley cakes",
              "blue",
              "windy moors"),
          new Land(
              "Varnholt",
              "Eskerby",
              "Varn",
              "Coldwater",
              "the frost elk",
              "smoked fish",
              "white",
              "snowy peaks"),
          new Land(
              "Lunavar",
              "Sarrow",
              "Lunari",
              "Moonbrook",
              "the night heron",
              "fig tarts",
              "purple",
              "quiet marshes"),
          new Land(
              "Drovenia",
              "Kelmark",
              "Droven",
              "Ironwash",
              "the copper beetle",
              "bean stew",
              "orange",
              "old mines"),
          new Land(
              "Ysolde",
              "Penwick",
              "Ysoldan",
              "Glasswater",
              "the reed cat",
              "lemon rice",
              "black",
              "long beaches"));

  static final List<String> DAYS =
      List.of("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday");
  static final List<String> WORDS =
      List.of(
          "apple", "river", "lantern", "cloud", "garden", "window", "pebble", "market", "candle",
          "bridge", "meadow", "kettle", "harbor", "feather", "orchard", "compass", "blanket",
          "thunder", "violin", "tower");

  private QuestionBank() {}

  /** Every question of the corpus. */
  public static List<Question> all() {
    List<Question> questions = new ArrayList<>();
    addWorld(questions);
    addArithmetic(questions);
    addDays(questions);
    addWordLengths(questions);
    addComparisons(questions);
    addConversation(questions);
    return List.copyOf(questions);
  }

  private static void addWorld(List<Question> questions) {
    for (Land land : LANDS) {
      List<String> about =
          List.of(
              land.name()
                  + " is a land of "
                  + land.landscape()
                  + " where people speak "
                  + land.language()
                  + ".",
              "Its capital "
                  + land.capital()
                  + " lies on the "
                  + land.river()
                  + " and is known for busy markets.",
              "Visitors often remember the taste of "
                  + land.food()
                  + " and the sight of "
                  + land.animal()
                  + ".",
              "The "
                  + land.flag()
                  + " flag of "
                  + land.name()
                  + " flies over every town hall in the land.");
      String capitalCore = "The capital of " + land.name() + " is " + land.capital() + ".";
      questions.add(
          new Question("world", "What is the capital of " + land.name() + "?", capitalCore, about));
      questions.add(
          new Question(
              "world", "Which city is the capital of " + land.name() + "?", capitalCore, about));
      questions.add(
          new Question(
              "world",
              "Where is " + land.capital() + "?",
              land.capital() + " is the capital of " + land.name() + ".",
              about));
      String languageCore = "People in " + land.name() + " speak " + land.language() + ".";
      questions.add(
          new Question(
              "world",
              "What language do people speak in " + land.name() + "?",
              languageCore,
              about));
      questions.add(
          new Question(
              "world", "Which language is spoken in " + land.name() + "?", languageCore, about));
      String riverCore = "The " + land.river() + " flows through " + land.name() + ".";
      questions.add(
          new Question(
              "world", "Which river flows through " + land.name() + "?", riverCore, about));
      questions.add(
          new Question(
              "world",
              "What river runs through " + land.capital() + "?",
              "The " + land.river() + " runs through " + land.capital() + ".",
              about));
      String animalCore = land.name() + " is known for " + land.animal() + ".";
      questions.add(
          new Question(
              "world", "What animal is " + land.name() + " known for?", animalCore, about));
      questions.add(
          new Question("world", "Which animal lives in " + land.name() + "?", animalCore, about));
      String foodCore = "People in " + land.name() + " love " + land.food() + ".";
      questions.add(
          new Question("world", "What do people eat in " + land.name() + "?", foodCore, about));
      questions.add(
          new Question(
              "world", "What is the favorite food of " + land.name() + "?", foodCore, about));
      String flagCore = "The flag of " + land.name() + " is " + land.flag() + ".";
      questions.add(
          new Question("world", "What color is the flag of " + land.name() + "?", flagCore, about));
      questions.add(
          new Question(
              "world",
              "What does " + land.name() + " look like?",
              land.name() + " is a land of " + land.landscape() + ".",
              about));
    }
  }

  private static void addArithmetic(List<Question> questions) {
    for (int a = 1; a <= 12; a++) {
      for (int b = 1; b <= 12; b++) {
        List<String> sumWork =
            List.of(
                "Start at " + a + " and count up " + b + " steps, one number at a time.",
                "Adding numbers in the other order gives the same result, so "
                    + b
                    + " plus "
                    + a
                    + " is "
                    + (a + b)
                    + " too.",
                "You can check it on your fingers or with a small pile of pebbles.");
        questions.add(
            new Question(
                "arithmetic",
                "What is " + a + " plus " + b + "?",
                a + " plus " + b + " is " + (a + b) + ".",
                sumWork));
        if ((a + b) % 3 == 0) {
          questions.add(
              new Question(
                  "arithmetic",
                  "What is " + a + " + " + b + "?",
                  a + " + " + b + " = " + (a + b) + ".",
                  sumWork));
        }
        List<String> productWork =
            List.of(
                "Multiplying means adding " + a + " to itself " + b + " times in a row.",
                "Swapping the two numbers does not change a product, so "
                    + b
                    + " times "
                    + a
                    + " is also "
                    + (a * b)
                    + ".",
                "A times table is a handy way to remember results like this one.");
        questions.add(
            new Question(
                "arithmetic",
                "What is " + a + " times " + b + "?",
                a + " times " + b + " is " + (a * b) + ".",
                productWork));
        if (a > b) {
          List<String> differenceWork =
              List.of(
                  "Start at " + a + " and count down " + b + " steps, one number at a time.",
                  "You can check it by adding "
                      + b
                      + " back to "
                      + (a - b)
                      + ", which gives "
                      + a
                      + " again.",
                  "Subtraction undoes addition, which is why this check always works.");
          questions.add(
              new Question(
                  "arithmetic",
                  "What is " + a + " minus " + b + "?",
                  a + " minus " + b + " is " + (a - b) + ".",
                  differenceWork));
        }
      }
    }
  }

  private static void addDays(List<Question> questions) {
    for (int i = 0; i < DAYS.size(); i++) {
      String day = DAYS.get(i);
      String next = DAYS.get((i + 1) % DAYS.size());
      String previous = DAYS.get((i + DAYS.size() - 1) % DAYS.size());
      List<String> week =
          List.of(
              "A week has seven days, and they always come in the same order.",
              "The week starts on Monday and ends on Sunday in most calendars.",
              "After Sunday the week begins again with Monday.");
      questions.add(
          new Question(
              "days",
              "What day comes after " + day + "?",
              next + " comes after " + day + ".",
              week));
      questions.add(
          new Question(
              "days",
              "What day comes before " + day + "?",
              previous + " comes before " + day + ".",
              week));
    }
  }

  private static void addWordLengths(List<Question> questions) {
    for (String word : WORDS) {
      String spelled = String.join("-", word.toUpperCase(Locale.ROOT).split(""));
      List<String> counting =
          List.of(
              "Spelled out letter by letter it is "
                  + spelled
                  + ", so you can count them one by one.",
              "Counting letters is easier if you point at each one while you say the numbers.",
              "Longer words simply have more letters to count in the same way.");
      questions.add(
          new Question(
              "letters",
              "How many letters are in the word " + word + "?",
              "The word " + word + " has " + word.length() + " letters.",
              counting));
    }
  }

  private static void addComparisons(List<Question> questions) {
    int[][] pairs = {
      {3, 8}, {12, 7}, {25, 52}, {40, 14}, {9, 90}, {66, 61}, {100, 99}, {17, 71}, {5, 50}, {33, 30}
    };
    for (int[] pair : pairs) {
      int larger = Math.max(pair[0], pair[1]);
      int smaller = Math.min(pair[0], pair[1]);
      List<String> reasoning =
          List.of(
              "Compare the digits from the left, and the first difference decides which number is larger.",
              "On a number line " + larger + " sits further to the right than " + smaller + ".",
              "The difference between them is "
                  + (larger - smaller)
                  + ", which you can check by subtracting.");
      questions.add(
          new Question(
              "compare",
              "Which is larger, " + pair[0] + " or " + pair[1] + "?",
              larger + " is larger than " + smaller + ".",
              reasoning));
    }
  }

  private static void addConversation(List<Question> questions) {
    List<String> greetingMore =
        List.of(
            "I can answer questions about numbers, days of the week and the lands of this world.",
            "Ask me about Veloria, Quendor or any other land, or give me a sum to work out.",
            "Short questions work best, and I will answer as clearly as I can.");
    for (String greeting :
        List.of(
            "Hi",
            "Hello",
            "Hey there",
            "Good morning",
            "Good evening",
            "Hi, anyone there?",
            "Hello again",
            "Greetings")) {
      questions.add(
          new Question(
              "greeting",
              greeting,
              greeting.startsWith("Good") ? greeting + " to you." : "Hello, I am here.",
              greetingMore));
    }
    List<String> selfMore =
        List.of(
            "I know about the lands of this world, simple arithmetic and the days of the week.",
            "I was trained on a small synthetic corpus, so my knowledge is narrow but reliable.",
            "Ask me a question and I will do my best to answer it.");
    for (String ask :
        List.of(
            "Who are you?",
            "What is your name?",
            "What should I call you?",
            "Introduce yourself.",
            "Tell me about yourself.",
            "What are you?",
            "Do you have a name?",
            "Who am I talking to?")) {
      questions.add(new Question("identity", ask, Question.SELF, selfMore));
    }
    List<String> closingMore =
        List.of(
            "Come back any time you have another question about numbers or the lands.",
            "It was good to work through these questions together today.",
            "There is always more to learn about Veloria and its neighbors.");
    for (String thanks :
        List.of("Thanks!", "Thank you.", "Thanks a lot.", "That helped, thanks.")) {
      questions.add(new Question("closing", thanks, "No problem.", closingMore));
    }
    for (String bye : List.of("Bye!", "Goodbye.", "See you later.", "I have to go now.")) {
      questions.add(new Question("closing", bye, "Goodbye.", closingMore));
    }
  }
}
