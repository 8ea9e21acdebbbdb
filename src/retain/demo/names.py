"""Vocabulary the demo draws from: cities, Chinese names, makes and models, tags.

Plain data; ``generate`` picks from these lists with seeded random indices. Weights make the
common surnames common, as they are in the population.
"""

from retain.customers.models import Source

GROUP_NAME = "瑞泰汽车集团"
OUR_MAKE = "大众"

#: (region name, [(city, plate prefix, district names)]) – the small demo uses the first
#: three regions and the first cities in order; larger scales cycle through all of them.
REGIONS = [
    ("华东区", [("上海", "沪A", ["浦东", "闵行"]), ("杭州", "浙A", ["西湖"]), ("苏州", "苏E", ["园区"])]),
    ("华南区", [("广州", "粤A", ["天河"]), ("深圳", "粤B", ["南山"]), ("厦门", "闽D", ["思明"])]),
    ("华北区", [("北京", "京N", ["朝阳"]), ("天津", "津A", ["河西"])]),
    ("西南区", [("成都", "川A", ["武侯"]), ("重庆", "渝A", ["渝北"]), ("昆明", "云A", ["官渡"])]),
    ("华中区", [("武汉", "鄂A", ["洪山"]), ("长沙", "湘A", ["岳麓"]), ("郑州", "豫A", ["金水"])]),
    ("东北区", [("沈阳", "辽A", ["浑南"]), ("大连", "辽B", ["甘井子"]), ("长春", "吉A", ["南关"])]),
    ("西北区", [("西安", "陕A", ["雁塔"]), ("兰州", "甘A", ["城关"])]),
    ("山东区", [("济南", "鲁A", ["历下"]), ("青岛", "鲁B", ["崂山"])]),
]

#: Six-digit administrative division codes (the first digits of an ID card number) per city.
AREA_CODES = {"上海": "310115", "杭州": "330106", "苏州": "320506", "广州": "440106", "深圳": "440305",
              "厦门": "350203", "北京": "110105", "天津": "120103", "成都": "510107", "重庆": "500112",
              "昆明": "530111", "武汉": "420111", "长沙": "430104", "郑州": "410105", "沈阳": "210112",
              "大连": "210211", "长春": "220102", "西安": "610113", "兰州": "620102", "济南": "370102",
              "青岛": "370212"}

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
#: Roughly Zipf-like: the first surnames (王, 李, 张, ...) are far more common than the last.
SURNAME_WEIGHTS = [1.0 / (rank + 3) for rank in range(len(SURNAMES))]

GIVEN_CHARACTERS = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建文辉玲国红斌宇浩凯健俊帆鹏晨欣怡婷雪琳晓萍瑞"
    "佳嘉宁博子轩雨萱梓涵思彤一诺浩然志远海波春梅立新振华世杰子豪欣然佳怡紫涵梦琪"
)

COMPANY_WORDS = ["宏达", "鑫源", "华信", "恒通", "金桥", "永盛", "东方", "瑞丰", "天成", "博远", "联创", "安泰"]
COMPANY_TRADES = ["物流", "建设", "贸易", "科技", "租赁", "食品", "医药", "旅游"]

ROADS = ["人民路", "中山路", "解放路", "建设路", "和平路", "长江路", "黄河路", "新华路", "青年路", "滨江大道"]

#: Our make's models with a list price in yuan (used for vehicle-sale transactions).
OUR_MODELS = [("朗逸", 120_000), ("速腾", 150_000), ("帕萨特", 210_000), ("迈腾", 220_000),
              ("途观L", 250_000), ("探岳", 230_000), ("ID.4 X", 200_000), ("途昂", 320_000)]
#: Our make's world manufacturer identifiers (VIN positions 1-3).
OUR_WMIS = ["LSV", "LFV"]

OTHER_MAKES = [("丰田", "LVG", ["凯美瑞", "卡罗拉", "RAV4荣放"]), ("本田", "LHG", ["雅阁", "思域", "CR-V"]),
               ("别克", "LSG", ["英朗", "君威", "GL8"]), ("比亚迪", "LGX", ["秦PLUS", "宋PLUS", "汉"]),
               ("吉利", "L6T", ["星越L", "帝豪", "博越"])]

#: The prospect sources of DOMAIN.md section 4, walk-ins first (the order the shares are given in).
PROSPECT_SOURCES = [s.value for s in (Source.WALK_IN, Source.BASE_MAINTENANCE, Source.VIP, Source.KEY_ACCOUNT,
                                        Source.INTERNAL, Source.OUTDOOR, Source.SECONDARY_NETWORK, Source.CANVASSING)]

TAGS = ["老客户转介绍", "车队客户", "已加微信", "高价值", "价格敏感", "投诉过", "新能源意向"]
