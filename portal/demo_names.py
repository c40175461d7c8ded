"""Place names, surnames and name parts used to generate the 南通市 demo data.

Street and town names follow the real administrative divisions of each county or district;
private hospitals, clinics and pharmacy chains are invented names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class County:
    code: str  # GB/T 2260 code used in site codes and credit codes
    name: str  # 崇川区
    short: str  # 崇川: used in private facility names
    prefix: str  # official prefix of public institutions: 南通市崇川区, 如皋市
    #: Region codes (GB/T 2260) that residents' ID numbers carry, older codes included
    #: (e.g. 通州市 320683 before 2009, 海门市 320684 before 2020, 海安县 320621).
    id_regions: tuple[str, ...]
    subdistricts: tuple[str, ...]  # 街道: community health service centres
    towns: tuple[str, ...]  # 镇: town health centres
    roads: tuple[str, ...]


def _county(code, name, short, prefix, id_regions, subdistricts, towns, roads) -> County:
    """A county from space-separated lists (compact to read and edit)."""
    return County(
        code,
        name,
        short,
        prefix,
        *(tuple(x.split()) for x in (id_regions, subdistricts, towns, roads)),
    )


COUNTIES = (
    _county(
        "320602",
        "崇川区",
        "崇川",
        "南通市崇川区",
        "320602 320611 320602",
        (
            "和平桥街道 城东街道 钟秀街道 观音山街道 狼山镇街道 新城桥街道 学田街道 "
            "文峰街道 任港街道 唐闸镇街道 天生港镇街道 秦灶街道"
        ),
        "",
        (
            "人民中路 南大街 工农路 青年中路 跃龙路 崇川路 孩儿巷北路 钟秀中路 "
            "城山路 长江中路 桃坞路 西寺路 永和路 园林路 濠西路 世纪大道 通京大道 "
            "唐闸路 虹桥路 任港路"
        ),
    ),
    _county(
        "320612",
        "通州区",
        "通州",
        "南通市通州区",
        "320683 320683 320612",
        "金沙街道 先锋街道 金新街道",
        ("兴仁镇 平潮镇 刘桥镇 石港镇 西亭镇 二甲镇 东社镇 三余镇 十总镇 川姜镇 兴东镇 五接镇"),
        ("新金路 金沙大街 建设路 人民路 银河路 碧华路 紫琅路 世纪大道 通甲路 南山路"),
    ),
    _county(
        "320614",
        "海门区",
        "海门",
        "南通市海门区",
        "320684 320684 320614",
        "海门街道 三厂街道 滨江街道",
        ("常乐镇 悦来镇 四甲镇 余东镇 正余镇 包场镇 临江镇 海永镇 三星镇 王浩镇"),
        ("北京中路 长江南路 解放中路 人民中路 秀山东路 狮山路 浦江路 上海路 珠江路 香港路"),
    ),
    _county(
        "320623",
        "如东县",
        "如东",
        "如东县",
        "320623",
        "掘港街道 城中街道",
        ("栟茶镇 洋口镇 岔河镇 双甸镇 马塘镇 曹埠镇 丰利镇 袁庄镇 河口镇 新店镇 大豫镇 长沙镇"),
        ("青园北路 人民路 江海西路 友谊西路 珠江路 日晖东路 华山路 泰山路 阳光大道 金山路"),
    ),
    _county(
        "320681",
        "启东市",
        "启东",
        "启东市",
        "320681",
        "汇龙镇",
        ("南阳镇 北新镇 王鲍镇 合作镇 海复镇 近海镇 寅阳镇 惠萍镇 东海镇 吕四港镇"),
        ("人民中路 和平中路 紫薇中路 公园中路 江海中路 长江中路 民乐路 牡丹江路 黄海路 英雄路"),
    ),
    _county(
        "320682",
        "如皋市",
        "如皋",
        "如皋市",
        "320682",
        "如城街道 城南街道 城北街道",
        ("东陈镇 丁堰镇 白蒲镇 下原镇 九华镇 石庄镇 长江镇 吴窑镇 江安镇 搬经镇 磨头镇"),
        ("海阳南路 福寿西路 宁海路 益寿路 仁寿路 中山路 惠政西路 海阳北路 大司马路 安定广场路"),
    ),
    _county(
        "320685",
        "海安市",
        "海安",
        "海安市",
        "320621 320621 320685",
        "海安街道 城东镇 开发区街道",
        "曲塘镇 李堡镇 角斜镇 大公镇 雅周镇 白甸镇 南莫镇 墩头镇 孙庄镇",
        ("中坝南路 宁海南路 长江中路 黄海大道 人民中路 江淮路 通榆路 迎宾路 文化路 鑫港路"),
    ),
)

#: ID region codes for staff from outside the city (南京, 扬州, 泰州, 盐城, 苏州, 合肥, 上海).
OTHER_ID_REGIONS = ("320102", "321002", "321202", "320902", "320505", "340104", "310104")

#: Weighted by how common they are in 南通 (张, 陈, 顾, 季, 陆, 施 are typical locally).
SURNAMES = (
    "张" * 8
    + "王" * 7
    + "陈" * 8
    + "李" * 5
    + "刘" * 4
    + "周" * 5
    + "吴" * 4
    + "徐" * 5
    + "朱" * 4
    + "顾" * 5
    + "黄" * 3
    + "杨" * 4
    + "季" * 4
    + "陆" * 4
    + "施" * 4
    + "曹" * 3
    + "沈" * 3
    + "姜" * 3
    + "孙" * 3
    + "钱" * 2
    + "范" * 2
    + "丁" * 2
    + "冯" * 2
    + "葛" * 2
    + "缪" * 2
    + "仇"
    + "瞿"
    + "袁" * 2
    + "邱" * 2
    + "严" * 2
    + "蔡" * 2
    + "卢"
    + "许" * 2
    + "管"
    + "陶"
    + "胡" * 2
    + "高" * 2
    + "郭"
    + "何"
    + "马" * 2
    + "宋"
    + "唐" * 2
    + "薛" * 2
    + "谢"
    + "韩"
    + "汤"
    + "邵" * 2
    + "花"
    + "成" * 2
    + "储"
    + "茅"
    + "秦" * 2
)
MALE_CHARS = "建国明伟军杰涛磊强斌峰海波勇华俊晨浩宇鹏辉文志兵林东飞超凯亮健平刚荣新春锋云龙"
FEMALE_CHARS = "芳娟敏静丽燕红霞玲婷雪莉萍慧琳颖倩洁艳梅蓉佳怡晶露瑶琴秀英娜丹月凤兰琪欣悦"

#: Private hospitals: (name stem, level). The county's short name goes in front.
PRIVATE_HOSPITALS = (
    ("仁爱医院", "secondary"),
    ("同济骨科医院", "secondary"),
    ("明视眼科医院", "secondary"),
    ("康华医院", "primary"),
    ("济民医院", "primary"),
    ("美好口腔医院", "primary"),
    ("博康中西医结合医院", "primary"),
    ("颐和康复医院", "unrated"),
    ("安馨护理院", "unrated"),
    ("福寿护理院", "unrated"),
)
CLINIC_KINDS = ("内科诊所", "中医诊所", "口腔诊所", "中西医结合诊所", "全科诊所", "外科诊所")
OUTPATIENT_DEPTS = ("口腔门诊部", "中医门诊部", "综合门诊部", "康复医学门诊部")
OUTPATIENT_BRANDS = ("瑞康", "佳美", "德济", "同心", "惠康", "仁心", "济安", "和顺")
#: Pharmacy chains (invented): stores are branch companies with their own 91 credit codes.
PHARMACY_CHAINS = ("江海大药房", "通城大药房", "百济堂大药房", "仁和大药房", "康济大药房")
INDEPENDENT_PHARMACIES = (
    "康民药店",
    "同仁药店",
    "益寿药房",
    "惠民药店",
    "万家福药房",
    "德仁堂药店",
    "百姓药店",
    "济世药房",
)
