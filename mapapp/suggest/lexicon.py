"""The suffix grammar of Chinese plan language: which head words end a map-worthy name, what
kind each suggests, the status words around a name, and the generic words that do not make a
name on their own. General Chinese planning vocabulary only, no names of particular places."""
from __future__ import annotations

# Head words (the end of a name) by the record kind they suggest. Longer heads win
# (产业园区 over 园区 over 区). A head must start at a word boundary of the segmenter unless the
# word that holds it is a proper name (place name, unknown word): 思路 is not a road.
HEADS: dict[str, tuple[str, ...]] = {
    "zone": ("新区", "新城", "片区", "组团", "集聚区", "功能区", "核心区", "示范区", "先行区", "试验区",
             "商务区", "经济区", "中心城区", "城区", "老城区", "生态城", "新村", "服务区", "聚集区", "配套区",
             "拓展区", "发展区", "预留区", "体验区", "社区"),
    "park": ("开发区", "经开区", "高新区", "工业园区", "工业园", "产业园区", "产业园", "园区", "科技园",
             "创业园", "产业基地", "基地", "综合保税区", "综保区", "保税区", "科创城", "产业城",
             "小镇", "孵化园", "农业科技园", "物流园区", "科创园", "创意园", "文创园", "科技城", "科学城",
             "林场", "垦殖场", "农场", "示范园", "生态园", "文化园", "产业新城", "职教城", "大学城", "设计城",
             "城", "谷"),
    "corridor": ("走廊", "经济带", "发展轴", "产业带", "通道", "旅游带", "风光带", "生态带", "城镇带",
                 "城市带", "发展带", "经济圈", "都市圈", "城市群", "城镇群"),
    "rail_line": ("铁路", "高铁", "城际铁路", "城际", "客专", "高速铁路", "市域郊线", "联络线", "动车所", "专用线", "货运线"),
    "metro_line": ("号线", "地铁", "轨道交通", "轻轨", "有轨电车"),
    "rail_station": ("火车站", "高铁站", "站"),
    "road": ("高速公路", "高速", "国道", "省道", "快速路", "大道", "大街", "路", "街", "公路", "互通",
             "立交", "环线", "外环", "绕城", "快速通道", "连接线", "一级公路", "二级公路", "北延", "南延",
             "东延", "西延"),
    "bridge": ("大桥", "特大桥", "桥", "隧道", "过江通道"),
    "airport": ("国际机场", "通用机场", "机场", "航站楼"),
    "port": ("港区", "港口", "码头", "作业区", "陆港", "空港", "港"),
    "hub": ("综合交通枢纽", "交通枢纽", "物流枢纽", "枢纽", "客运站", "汽车站", "客运枢纽", "物流园", "物流中心", "物流港"),
    "water": ("水利枢纽", "航电枢纽", "水库", "船闸", "闸", "圩堤", "圩", "灌区", "渠", "引水工程",
              "水厂", "调蓄池", "泵站", "堤", "电排站", "排涝站", "污水处理厂", "水系连通", "运河", "蓄滞洪区",
              "滞洪区", "航道", "陂", "水源地"),
    "energy": ("电站", "电厂", "水电站", "风电场", "风电", "光伏", "变电站", "特高压", "储能电站",
               "抽水蓄能", "热电", "输变电工程", "天然气管道", "管网工程", "管网", "发电项目"),
    "ecology": ("湿地公园", "森林公园", "公园", "湿地", "自然保护区", "保护区", "绿道", "湖", "江", "河",
                "山", "岛", "洲"),
    "tourism": ("风景名胜区", "风景区", "景区", "旅游区", "度假区", "古镇", "古村", "遗址", "故居",
                "纪念馆", "博物馆", "街区", "书院", "寺", "庙", "塔", "阁", "旧址", "老街", "美术馆", "艺术馆",
                "展览馆", "科技馆", "植物园", "动物园", "步行街", "休闲区", "夜市", "商圈", "梯田", "城墙", "古城",
                "纪念园", "家庙", "祠堂", "商业街", "剧场"),
    "building": ("医院", "大学", "学院", "中学", "小学", "学校", "体育馆", "体育中心", "会展中心",
                 "博览中心", "图书馆", "文化馆", "大剧院", "剧院", "市场", "广场", "综合体", "总部",
                 "研究院", "实验室", "中心", "音乐厅", "大厦", "大楼", "商贸城", "商城", "馆", "体育公园", "酒店",
                 "公寓", "福利院", "养老院", "专科学校", "商场", "购物中心"),
}

# Kinds of linear things, named by their two ends (信丰至南雄高速公路, 南昌-安义市域郊线).
LINEAR_KINDS = {"road", "rail_line", "metro_line", "corridor", "energy", "bridge", "water"}

# Heads that need a station table entry or a compass word to count (站 alone is too common:
# 加油站, 工作站).
STRICT_HEADS = {"站", "中心", "江", "河", "山", "岛", "洲", "路", "街", "港", "闸", "堤", "渠", "湖", "馆",
                # class nouns: 一批产业基地, 农产品批发市场, 污水管网 name kinds of things, not places
                "基地", "产业基地", "市场", "管网", "园区", "示范区", "经济区", "通道", "医院", "学校", "大学", "枢纽",
                "城", "谷", "社区", "陂", "北延", "南延", "东延", "西延", "酒店", "公寓", "航道"}

HEAD_KIND: dict[str, str] = {}
for _kind, _heads in HEADS.items():
    for _h in _heads:
        HEAD_KIND.setdefault(_h, _kind)
HEAD_WORDS = sorted(HEAD_KIND, key=len, reverse=True)

# Words that stop a name when read leftwards from its head: actions, function words, quantities.
STOP_WORDS = frozenset(["建设", "发展", "推进", "打造", "加快", "实施", "提升", "改造", "完善", "规划", "谋划", "开工", "建成", "启动", "推动", "支持", "依托", "围绕", "加强", "积极", "新建", "续建", "扩建", "争取", "开展", "形成", "构建", "培育", "做大", "做强", "引进", "深化", "优化", "全面", "重点", "主要", "等", "及", "和", "与", "以", "为", "在", "的", "了", "是", "将", "到", "对", "把", "向", "从", "由", "至", "或", "并", "其", "中", "上", "下", "内", "外", "之", "于", "被", "使", "让", "按", "同", "跟", "带", "通过", "实现", "完成", "加速", "力争", "确保", "促进", "带动", "服务", "对接", "融入", "联动", "协同", "共建", "创建", "申报", "获批", "设立", "布局", "聚焦", "强化", "拓展", "延伸", "连接", "贯通", "沿", "沿线", "周边", "一批", "一个", "一座", "各", "各类", "全市", "全省", "全区", "全县", "我市", "我省", "我区", "市", "省", "区", "县", "继续", "进一步", "大力", "着力", "努力", "有序", "以上", "以下", "亿元", "亿级", "万元", "十四五", "开展", "健全", "建立", "稳步", "持续", "高标准", "高质量", "高起点", "重大", "主要", "若干", "以及", "包括", "如", "即", "共", "约", "其中", "项目", "工程", "工作", "年", "月", "日",
    # plan-language verbs that open a phrase (jieba often tags them as nouns or names)
    "唱响", "弘扬", "集优", "对标", "助推", "壮大", "擦亮", "叫响", "执行", "严格", "发挥", "用好", "做优",
    "串联", "加密", "拓宽", "联通", "面向", "规范", "植入", "提质", "厚植", "增强", "分析", "锻造",
    # words that introduce an explanation (三区指…, 经…)
    "指", "经",
    # verbs that link a thing to a class or a list (赣江作为…, 纳入…, 入选…): nothing after them is its name
    "作为", "成为", "进入", "纳入", "列入", "入选", "参加", "走向", "为主",
    # verbs of using and seizing (合理利用城市公园, 运用老工业城区, 紧紧抓住): jieba tags 利用 a noun
    "利用", "运用", "抓住", "丰富",
    # places relative to a name (黄庄闸|以北上游明渠)
    "以北", "以南", "以东", "以西", "上游", "下游", "中游", "沿岸", "之间", "附近", "一带"])

# Modifiers that do not make a name on their own: a candidate needs something besides these
# (产业园 with only 现代 before it is not a name; 吉安高新区 is).
GENERIC_WORDS = frozenset(["国家级", "省级", "市级", "县级", "区级", "国家", "全国", "技术", "经济技术", "高新技术产业", "省", "市", "县", "区", "现代", "特色", "重点", "一批", "各类", "产业", "工业", "生态", "文化", "旅游", "农业", "科技", "创新", "高新", "高新技术", "经济", "物流", "商贸", "城市", "乡村", "数字", "智慧", "绿色", "新型", "综合", "国际", "中心", "核心", "主", "副", "新", "老", "东", "西", "南", "北", "中", "大", "小", "高", "低", "示范", "标准化", "现代化", "高端", "先进", "战略性", "新兴", "特色化", "专业", "专业化", "公共", "城乡", "区域", "沿江", "滨江", "临空", "航空", "商务", "金融", "总部", "双创", "众创", "人才", "青年", "优势", "传统", "骨干", "龙头", "首位", "主导", "配套", "功能", "服务", "开放", "合作", "协同", "融合", "生产", "生活", "港口", "交通", "水运", "铁路", "公路", "高速", "物流园", "数据", "信息", "电子", "医药", "健康", "养老", "教育", "体育", "会展", "商业", "休闲", "康养", "田园", "美丽", "宜居", "历史", "红色", "绿", "美", "试点", "先行", "引领", "重要", "一般", "城镇", "集镇", "村", "镇", "乡", "大型", "中型", "小型", "数字化", "教育", "创意", "货运", "客运", "农村"])

COMPASS = ("东", "西", "南", "北")

# Words of a project carried out on a named thing (乌沙河望城段 + 综合整治工程, 高新大道 + 快速化改造工程):
# after a name, a run of them (ending in 工程/项目 or in one of them) names the project.
PROJECT_WORDS = ("综合整治", "综合治理", "整治", "治理", "生态修复", "修复", "提标", "建设", "改造", "改扩建", "扩建",
                 "综合开发", "快速化", "提质", "升级", "疏浚", "除险加固", "加固", "防洪", "排涝", "新建", "提升",
                 "保护", "水环境", "水系", "连通", "综合")

# Status words read around a name, and the status they suggest (first match wins, nearest first).
STATUS_WORDS: dict[str, str] = {
    "建成": "completed", "通车": "completed", "投运": "completed", "投产": "completed", "竣工": "completed",
    "开通": "completed", "运营": "existing", "获批": "existing",
    "开工": "under_construction", "在建": "under_construction", "续建": "under_construction",
    "加快建设": "under_construction", "加快推进": "under_construction", "扩建": "under_construction",
    "推进": "planned", "规划": "planned", "谋划": "planned", "前期": "planned", "争取": "planned",
    "新建": "planned", "启动": "planned", "打造": "planned", "建设": "planned",
}

# The sectors a kind suggests for a draft (the reviewer edits them).
KIND_SECTORS: dict[str, list[str]] = {
    "zone": ["urban"], "park": ["manufacturing"], "corridor": ["urban"], "rail_line": ["transport"],
    "metro_line": ["transport"], "rail_station": ["transport"], "road": ["transport"],
    "bridge": ["transport"], "airport": ["aviation"], "port": ["logistics"], "hub": ["logistics"],
    "water": ["water"], "energy": ["energy"], "ecology": ["ecology"], "tourism": ["tourism"],
    "building": ["public_service"],
}

# Long forms plans abbreviate, and their short forms: each known name also matches with the
# short form (南昌经济技术开发区 / 南昌经开区, 昌北国际机场 / 昌北机场).
ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("经济技术开发区", "经开区"), ("高新技术产业开发区", "高新区"), ("高新技术产业园区", "高新区"),
    ("综合保税区", "综保区"), ("工业园区", "工业园"), ("产业园区", "产业园"), ("高速公路", "高速"),
    ("高速铁路", "高铁"), ("城际铁路", "城际"), ("国际机场", "机场"), ("风景名胜区", "风景区"),
    ("水利枢纽工程", "水利枢纽"), ("国家级", ""), ("省级", ""),
)

# Head words plans use for the same thing (昌九高铁 / 昌九客专, 改扩建工程 / 改扩建项目).
EQUIVALENT_HEADS: tuple[tuple[str, ...], ...] = (("高铁", "客专", "铁路"), ("工程", "项目"))

# G/S road numbers: G105, S223, G60 (a road head on its own).
ROAD_NUMBER = r"(?<![A-Za-z0-9])[GS]\d{1,4}(?![0-9])"
