"""Chinese questions (繁體/简体) about the English documents: dictionary rendering, then cited English answers."""
import pytest
from langchain_core.runnables import RunnableLambda

from assistant import Assistant
from assistant.answer.extractive import ABSTAIN_TEXT
from assistant.question import understand
from assistant.translate import Translator, to_english, to_simplified

DOCS = ("Current Kaohsiung City Mayor Chen Chi-mai (陳其邁) met Chang Yen-ching (張硯卿) in the city of Taipei.",)


# -- translation ----------------------------------------------------------------------------------
@pytest.mark.parametrize("question, words", [
    ("高雄和哪個德國城市簽署了合作備忘錄", "高雄 和 哪個 德國 城市 簽署 了 合作 備忘錄"),
    ("高雄和哪个德国城市签署了合作备忘录", "高雄 和 哪个 德国 城市 签署 了 合作 备忘录"),
])
def test_segments_both_scripts_into_dictionary_words(question, words):
    assert Translator().segment(question) == words.split()


def test_traditional_to_simplified_from_the_dictionary_columns():
    assert to_simplified("高雄和德國簽署備忘錄") == "高雄和德国签署备忘录"


@pytest.mark.parametrize("question, english", [
    ("陳其邁在聖荷西見了誰?", "Who Chen Chi-mai at San Jose see?"),
    ("为什么高雄重视教育交流？", "Why Kaohsiung stress education exchange?"),
    ("台積電什麼時候在高雄生產晶片?", "When"),
    ("哪个城市的人口最多？", "Which city"),
    ("高雄有幾位副市長?", "How many deputy mayor Kaohsiung have?"),
])
def test_question_words_become_english_question_forms(question, english):
    assert to_english(question).startswith(english)


def test_measure_words_after_numbers_are_dropped():
    assert to_english("高雄有45個姊妹") == "Kaohsiung have 45 sisters"


def test_which_carries_the_noun_it_asks_about_to_the_front():
    assert to_english("陳其邁在史丹佛大學見了哪位教授?") == "Which professor Chen Chi-mai at Stanford university see?"


def test_names_spelled_out_in_the_documents_are_rendered_as_they_spell_them():
    translator = Translator(DOCS)
    assert translator.english("張硯卿是誰?") == translator.english("张砚卿是谁？") == "Who Chang Yen-ching is?"
    assert "ink-stone" in Translator().english("張硯卿是誰?")  # the dictionary alone reads the name as words


def test_a_name_spelled_by_sound_may_take_back_the_character_a_dictionary_word_took():
    """與格 ("dative case") is a dictionary word, but here 與 is "and" and 格 begins 格丁尼亞, Gdynia."""
    translator = Translator(("Gdynia is a port city on the Baltic coast of Poland.",))
    assert translator.english("高雄與格丁尼亞是從哪一年開始合作的？").endswith("and Gdynia is from begin cooperate of?")


def test_a_year_in_a_chinese_question_is_a_constraint_not_the_asked_slot():
    query = understand("2025年的Sunshine Island Vibe Fest以什麼為主題？")
    assert query.years == ("2025",) and query.answer_type != "date"


def test_the_documents_choose_among_senses_and_spellings():
    assert Translator().gloss("市").text == "market" and Translator(DOCS).gloss("市").text == "city"
    assert Translator().gloss("台北").text == "Taibei" and Translator(DOCS).gloss("台北").text == "Taipei"


def test_english_and_unknown_text_pass_through():
    assert to_english("How many sister cities does Kaohsiung have?") == "How many sister cities does Kaohsiung have?"
    assert to_english("TSMC在2025年") == "TSMC at 2025 year"


# -- answers --------------------------------------------------------------------------------------
@pytest.mark.parametrize("question", ["高雄有幾個姊妹市?", "高雄有几个姐妹市？"])
def test_chinese_question_gets_a_cited_english_answer(shared_assistant, question):
    answer = shared_assistant.ask(question)
    assert not answer.abstained and "45" in answer.text
    assert any("45 sister-city partnerships" in c.quote for c in answer.citations)
    assert all(c.passage.doc_id == "beyond-taipei-city-diplomacy.md" for c in answer.citations)


def test_chinese_which_question_finds_the_named_fact(shared_assistant):
    assert "Dresden" in shared_assistant.ask("高雄和哪个德国城市签署了合作备忘录？").text


def test_chinese_follow_up_uses_the_translated_conversation(shared_assistant):
    answer = shared_assistant.ask("台北呢?", history=[{"role": "user", "content": "高雄有幾個姊妹市?"}])
    assert "53" in answer.text


@pytest.mark.parametrize("question", ["高雄和東京簽署了什麼協議?", "高雄有多少座机场？"])
def test_unanswerable_chinese_question_abstains(shared_assistant, question):
    answer = shared_assistant.ask(question)
    assert answer.abstained and answer.text == ABSTAIN_TEXT and not answer.citations


def test_answer_step_gets_the_english_question_and_keeps_the_original(shared_assistant):
    seen = {}
    s = shared_assistant.settings
    assistant = Assistant(corpus_dir=s.corpus_dir, index_dir=s.index_dir, embeddings=shared_assistant.embeddings,
                          answer_step=RunnableLambda(seen.update), auto_ingest=False)
    assistant.ask("高雄有幾個姊妹市?")
    assert seen["original_question"] == "高雄有幾個姊妹市?"
    assert seen["question"] == seen["standalone"] == "How many sisters city Kaohsiung have?"
    assert "45 sister-city" in seen["passages"][0].text
