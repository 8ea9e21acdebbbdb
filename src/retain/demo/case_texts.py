"""What the demo's staff write on cases, blacklist entries and lost owners: short notes in Chinese
(the demo's customers and staff are Chinese, as the survey comments and review notes of
``demo.surveys`` are), drawn from these pools column-wise."""

import numpy as np

#: Notes of each LSPCAS step (the Satisfy notes by the customer's answer).
STEP_NOTES = {
    "listen": ["电话联系客户，耐心听客户把经过讲完，逐条记录", "客户到店面谈，情绪比较激动，先请客户坐下把话说完",
               "电话回访，客户详细说明了问题，已记录在案", "客户在电话里讲了二十分钟，没有打断，记下了主要诉求"],
    "share": ["向客户表示理解，为给客户带来的不便道歉", "感谢客户直接告诉我们，表示一定认真处理",
              "理解客户的心情，换作是我们也会不满意", "先向客户致歉，说明会由专人跟进到底"],
    "probe": ["与车间主管一起查看工单和维修记录", "调取了接待记录和监控，核实了经过", "与当事员工面谈，了解当时的情况",
              "请技术主管重新检测车辆，找到了原因"],
    "check": ["把原因和处理方案向客户说明，客户认可；服务经理已确认", "与客户电话确认问题原因，内部与车间核对无误",
              "客户同意处理方案，财务和车间均已确认"],
    "action": ["安排免费返修，由技术主管负责并陪同试车", "退还未经同意的费用，并当面解释结算单", "预约客户到店，安排代步车",
               "由服务经理亲自致电并上门拜访"],
    "satisfy_yes": ["回访客户，问题已经解决，客户表示满意", "客户表示满意，感谢我们的跟进", "客户对处理结果满意，愿意继续来店"],
    "satisfy_no": ["客户仍不满意，认为处理太慢", "客户不接受处理方案，希望得到更多补偿", "客户表示还要再考虑"],
}
UNSATISFIED_REASONS = ["客户要求的赔偿超出政策范围，已说明", "客户坚持更换新车，无法满足", "多次联系客户未果，客户不再回应",
                       "客户对结果仍有保留意见，已记录并上报"]
RECURRENCE_NOTES = {False: ["回访客户，问题没有再出现", "客户确认车辆使用正常", "电话回访，客户表示一切正常"],
                    True: ["客户反映同样的问题又出现了，已另开案件", "问题再次出现，已安排技术主管重新检查"]}
COMPENSATION = {
    "apology": ["致歉信和一份小礼品", "总经理签名的致歉信"],
    "service": ["免费保养一次", "免费返修并做全车检查", "免费四轮定位和洗车"],
    "voucher": ["维修代金券", "精品代金券"],
    "goodwill_points": ["赠送积分，可用于下次保养"],
}
REJECTED_NOTE = ["价值超出本案的合理范围，请改为免费保养", "与问题不相称，请重新提出"]
#: Descriptions of the cases staff open, by category.
DESCRIPTIONS = {
    "repair_quality": ["保养后发动机故障灯又亮了，客户要求说明原因", "刚修好的空调又不制冷了", "更换刹车片后有异响"],
    "waiting_time": ["客户等了三个多小时才交车，没有人告知进度", "预约了却仍然排队很久"],
    "price": ["结算金额比报价高，客户认为有未经同意的项目", "客户认为配件价格比外面贵很多"],
    "staff_attitude": ["客户反映接待顾问态度冷淡，不解释问题", "电话多次无人接听，客户很生气"],
    "sales_promise": ["购车时承诺的赠品没有兑现", "交车时间比合同约定晚了两周"],
    "parts": ["配件缺货，客户等了两周还没到", "订的配件到了却是错的"],
    "vehicle_quality": ["新车车门异响，客户要求检查", "车辆多次出现同一故障，客户担心质量"],
    "facilities": ["休息区太吵，没有热水", "停车位不够，客户找不到地方停车"],
    "other": ["客户反映收到的短信太多", "客户对积分规则有疑问"],
}
SUGGESTIONS = ["建议周末延长营业时间", "建议增加线上预约的时间段", "建议在休息区提供充电插座", "建议交车时多讲解一些车辆功能",
               "建议保养完成后发微信通知"]
BLACKLIST_EVIDENCE = {
    "abuse": ["客户在服务接待区辱骂服务顾问并推搡，监控录像已保存，在场的还有前台和另一位客户",
              "客户多次在电话中威胁销售顾问，通话录音已保存在客服系统"],
    "fraud": ["客户提交的保险理赔单据与维修记录不符，车间主管和理赔专员核实，资料存档在保险部",
              "客户以他人车辆冒用保修，经核对车架号确认，书面记录在服务部"],
    "unreasonable": ["客户半年内就同一已解决的问题投诉六次，每次要求现金赔偿，处理记录见案件系统",
                     "客户反复要求免费更换已超出保修的部件，经理已三次书面答复"],
    "legal": ["客户已就购车合同向法院起诉，案件正在审理中，起诉书复印件在总经理办公室",
              "客户委托律师发函，双方正在仲裁，律师函原件存档"],
    "no_contact": ["客户来电明确要求不再接收任何回访和营销信息，通话录音已保存",
                   "客户书面要求停止联系，信件原件存档在市场部"],
}
DECISION_NOTES = {"approved": ["证据充分，同意", "已核实，同意列入"], "rejected": ["证据不足，请补充后再提交", "属于一般投诉，应按案件处理"]}
LIFT_REASONS = ["客户已道歉，双方和解", "纠纷已解决，撤销", "客户要求恢复联系"]
LOST_NOTES = ["客户说搬到外地了", "客户已在其他品牌购车", "客户表示对上次服务很失望", "客户家人在别的店工作",
              "客户对车辆质量不满意", "多次联系无果，据邻居说已搬走"]
WIN_BACK_NOTES = {
    "listen": ["电话联系客户，听客户讲离开的原因", "上门拜访，客户讲了对服务的不满"],
    "meet_demands": ["为客户办理了免费检测，解释了上次的问题", "按客户要求更换了服务顾问"],
    "offer_way_back": ["邀请客户参加老客户回厂活动，赠送保养套餐", "提供专属预约通道和工时折扣"],
    "keep_in_touch": ["节日问候，客户回复感谢", "每月发送用车提醒，客户偶尔回复"],
}


def draw(rng, pool, n: int) -> np.ndarray:
    """``n`` notes drawn from ``pool`` (object strings)."""
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), size=n)]


def draw_by(rng, pools: dict, keys: np.ndarray) -> np.ndarray:
    """A note per row from the pool of its key (one draw per distinct key)."""
    out = np.empty(keys.size, dtype=object)
    for key, pool in pools.items():
        where = np.flatnonzero(keys == key)
        out[where] = draw(rng, pool, where.size)
    return out
