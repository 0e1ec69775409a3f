"""The pad's handwriting-free Chinese input: common complaint phrases and a small pinyin table.

Plain Python (no Qt). The citizen either taps a whole phrase or types a syllable on the on-screen
letter keys and picks a character from the candidates. The table holds the syllables of words a
complaint about a service is made of; it is deliberately small (a pad is not a writing desk) and
shipped in the package so the pad needs no system input method.
"""

from __future__ import annotations

from dataclasses import dataclass

COMMENT_LIMIT = 60  # a short comment: the reasons carry the substance

COMPLAINT_PHRASES: tuple[str, ...] = (
    "等候时间太长",
    "工作人员态度不好",
    "材料要求没有一次说清",
    "让我跑了多次",
    "办理太慢",
    "窗口无人",
    "解释听不懂",
    "系统出故障",
    "插队",
    "收费不明",
)

# Syllable -> characters, most useful first. Enough for short complaints about a service.
SYLLABLES: dict[str, str] = {
    "a": "啊",
    "ai": "爱",
    "an": "安按",
    "ba": "把吧八",
    "ban": "办半班",
    "bang": "帮",
    "bao": "报保",
    "bei": "被",
    "ben": "本",
    "bi": "比必",
    "bian": "变便",
    "biao": "表",
    "bie": "别",
    "bu": "不部步",
    "cai": "材才",
    "ce": "测",
    "chang": "长场",
    "chao": "超",
    "che": "车",
    "chu": "出处",
    "ci": "次此",
    "cuo": "错",
    "da": "大打答",
    "dai": "待带代",
    "dan": "但单",
    "dao": "到道",
    "de": "的得",
    "deng": "等",
    "di": "地第",
    "dian": "点电",
    "dong": "懂动",
    "dou": "都",
    "duan": "短",
    "dui": "对队",
    "duo": "多",
    "fa": "法发",
    "fan": "烦反",
    "fang": "方",
    "fei": "费",
    "fen": "分",
    "fu": "服复付",
    "gai": "该改",
    "gan": "感",
    "gang": "刚",
    "gao": "告高",
    "ge": "个",
    "gei": "给",
    "gong": "工公",
    "gu": "故",
    "guan": "管关",
    "gui": "规",
    "guo": "过",
    "hai": "还",
    "hao": "好号",
    "he": "和",
    "hen": "很",
    "hou": "候后",
    "hui": "回会",
    "ji": "急几",
    "jia": "加家",
    "jian": "件见",
    "jiao": "叫交",
    "jie": "解接结",
    "jin": "进",
    "jiu": "就",
    "kai": "开",
    "kan": "看",
    "ke": "可",
    "kuai": "快",
    "lai": "来",
    "le": "了",
    "li": "理里",
    "liao": "了",
    "liang": "两",
    "ma": "吗",
    "man": "慢满",
    "mei": "没每",
    "men": "们门",
    "ming": "明",
    "na": "那拿",
    "nan": "难",
    "ne": "呢",
    "neng": "能",
    "ni": "你",
    "pao": "跑",
    "qi": "其",
    "qian": "钱",
    "qing": "请清",
    "qu": "去",
    "ren": "人",
    "rang": "让",
    "shang": "上",
    "shao": "少",
    "shen": "什",
    "shi": "是时事",
    "shou": "收手",
    "shu": "书",
    "shuo": "说",
    "tai": "太态",
    "tong": "通",
    "wan": "晚",
    "wei": "为",
    "wen": "问",
    "wo": "我",
    "wu": "无误",
    "xi": "系",
    "xian": "现",
    "xiang": "想",
    "xiao": "小",
    "xie": "谢",
    "xin": "心",
    "xu": "需",
    "yao": "要",
    "ye": "也",
    "yi": "一已意",
    "yong": "用",
    "you": "有",
    "yu": "与",
    "yuan": "员",
    "zai": "在再",
    "zen": "怎",
    "zhang": "张",
    "zhe": "这",
    "zhen": "真",
    "zheng": "证",
    "zhi": "只",
    "zhong": "中",
    "zou": "走",
    "zuo": "做作",
}


def candidates(letters: str) -> tuple[str, ...]:
    """Characters for the letters typed so far: the exact syllable first, then the syllables it
    begins, so 'ban' offers 办 and 'b' already offers 把 / 办 / 不 …"""
    letters = letters.lower()
    if not letters:
        return ()
    exact = tuple(SYLLABLES.get(letters, ""))
    longer = [ch for syllable, chars in sorted(SYLLABLES.items()) if syllable != letters and syllable.startswith(letters) for ch in chars]
    seen: dict[str, None] = dict.fromkeys(exact + tuple(longer))
    return tuple(seen)[:12]


@dataclass
class CommentInput:
    """The comment being written: committed text plus the pinyin letters still being typed."""

    text: str = ""
    letters: str = ""

    def type_letter(self, letter: str) -> None:
        if letter.isascii() and letter.isalpha() and len(self.letters) < 6:
            self.letters += letter.lower()

    def pick(self, chars: str) -> None:
        """A candidate character or a whole phrase; the letters typed for it are used up."""
        self.text = (self.text + chars)[:COMMENT_LIMIT]
        self.letters = ""

    def backspace(self) -> None:
        if self.letters:
            self.letters = self.letters[:-1]
        else:
            self.text = self.text[:-1]

    def clear(self) -> None:
        self.text, self.letters = "", ""

    @property
    def candidates(self) -> tuple[str, ...]:
        return candidates(self.letters)
