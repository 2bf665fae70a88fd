"""PERSON in scripts without capital letters: Chinese, Japanese, Korean and Devanagari names.

Latin, Cyrillic and Greek names are found by ``person.py`` (capitalisation plus name lists). Scripts without
case need other evidence, so each pattern is anchored on what marks a name there:
- Chinese: a common family-name character plus one or two characters, right after a verb of addressing
  ("请联系", "告诉", "给") or right before a title or verb ("先生", "女士", "明天", "说");
- Japanese: two to four kanji/kana before an honorific (さん, 様, 氏, 先生, くん, ちゃん);
- Korean: two to four Hangul syllables before 씨, 님 or 선생님;
- Devanagari (Hindi, Marathi, Nepali): a given name followed by a common family name (शर्मा, पटेल, ...)
  or by the honorific जी.
"""

from __future__ import annotations

from bastion.pii.recognizers.base import Pattern, Recognizer

# The most frequent Chinese family names (single characters), simplified and traditional forms.
_CN_SURNAMES = (
    "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何林罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧曹彭曾肖"
    "田董袁潘蒋蔣蔡余杜叶葉程苏蘇魏吕呂丁沈姚卢盧姜崔钟鍾谭譚陆陸汪范金廖贾賈夏韦韋付方邹鄒孟熊秦邱江"
    "尹薛闫閆段雷侯龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬钱錢严嚴覃武戴莫孔向汤湯欧歐"
)
_HAN = r"[\u4e00-\u9fff]"
_CN_BEFORE = (
    "请联系", "联系", "聯繫", "告诉", "告訴", "通知", "请问", "给", "給", "跟", "和", "与", "與", "叫", "由",
    "把", "让", "讓", "找", "问", "問", "是", "经理", "經理", "同事", "客户", "客戶",
)  # fmt: skip
_CN_AFTER = (
    "先生|女士|小姐|老师|老師|经理|經理|医生|醫生|同学|同學|教授|博士|总|總|说|說|明天|今天|昨天|已经|已經|"
    "确认|確認|去|在|来|來|的|打|发|發|负责|負責|会|會|将|將|要|想|和|\uff0c|。|、|\uff01|\uff1f|\uff1a|,|\\.|\\s"
)
_HI_SURNAMES = (
    "शर्मा|वर्मा|पटेल|सिंह|गुप्ता|कुमार|यादव|जैन|मिश्रा|शुक्ला|तिवारी|पांडे|पाण्डेय|अग्रवाल|चौहान|राव|रेड्डी|नायर|"
    "मेहता|शाह|देसाई|जोशी|खान|बनर्जी|मुखर्जी|चटर्जी|दास|घोष|बोस|सेन|कपूर|मल्होत्रा|खन्ना|भट्ट|त्रिपाठी|दुबे|"
    "चौधरी|ठाकुर|प्रसाद|कुलकर्णी|पाटील|नाइक|अय्यर|पिल्लै|सक्सेना|श्रीवास्तव"
)
_DEVA = r"[\u0900-\u0963\u0966-\u097F]"  # Devanagari without the danda punctuation


class ScriptNameRecognizer(Recognizer):
    label = "PERSON"
    prefilter = r"[\u0900-\u097F\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]"
    patterns = (
        Pattern(
            "chinese",
            "(?:" + "|".join(f"(?<={w})" for w in _CN_BEFORE) + ")"
            rf"([{_CN_SURNAMES}]{_HAN}{{1,2}}?)(?={_CN_AFTER})",
            0.7,
            group=1,
        ),
        Pattern(
            "chinese-title",
            rf"(?<!{_HAN})([{_CN_SURNAMES}]{_HAN}{{0,2}}?)(?=先生|女士|小姐|老师|老師|经理|經理|医生|醫生|教授)",
            0.7,
            group=1,
        ),
        Pattern(
            "chinese-subject",
            rf"(?:^|(?<=[。\uff01\uff1f\n]))\s{{0,2}}([{_CN_SURNAMES}]{_HAN}{{1,2}}?)"
            r"(?=明天|今天|昨天|已经|已經|说|說|会|會|要|想|负责|負責|去|来|來|在|打电话|发邮件)",
            0.6,
            group=1,
        ),
        Pattern(
            "japanese",
            r"(?<![\u3040-\u30ff\u4e00-\u9fff])([\u4e00-\u9fff\u30a0-\u30ff]{2,5})"
            r"(?=さん|様|さま|氏|先生|くん|君|ちゃん)",
            0.75,
            group=1,
        ),
        Pattern("korean", r"(?<![가-힣])([가-힣]{2,4})\s?(?=씨|님|선생님)", 0.75, group=1),
        Pattern(
            "devanagari",
            rf"(?<!{_DEVA})({_DEVA}{{2,15}}\s(?:{_HI_SURNAMES}))(?!{_DEVA})",
            0.75,
            group=1,
        ),
        Pattern("devanagari-ji", rf"(?<!{_DEVA})({_DEVA}{{3,15}})\s(?=जी(?!{_DEVA}))", 0.65, group=1),
    )

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        if pattern.name == "korean" and text[start:end] in {"여러분", "고객", "선생"}:
            return None  # "everyone", "customer": addressed with 님 but no name
        return pattern.score
