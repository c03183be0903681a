"""Regenerate samples/xlsx/ and samples/xls/ from canonical JSON content.

    python samples/make_samples.py

Each workbook is a canonical document (the clean base documents of tests/fixtures/_base, or one
of the documents below) laid out in one of the layouts real forms use — `reference` (what
`perflint template` writes), `national` (the national system's forms: inline values such as
≥32000人, merged 一级 cells, spare template rows) or `provincial` (项目代码, 调整后预算数, 预算执行数,
完成值, 权重, 未完成原因分析, 自评等级, amounts in 元, 一级/二级 repeated on every row) — and written
as .xlsx, .xls or .xlsm. One workbook holds two forms on two sheets; one keeps its dropdowns' lists
in a hidden column. The faulty ones carry the mistakes reviewers return submissions for; FAULTY
lists one per kind with the codes it must get, checked in every layout and format by
tests/test_formats_agree.py.
"""
from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASE = ROOT / "tests" / "fixtures" / "_base"
sys.path.insert(0, str(ROOT))

from perflint.template import macro_enabled, write_template, write_workbook  # noqa: E402


def base(kind: str) -> dict:
    return json.loads((BASE / f"{kind}.json").read_text(encoding="utf-8"))


# ---- content ---------------------------------------------------------------------------------
ROAD_TARGET = {  # a continuing transport project; the annual funds do not add up, one unit is missing
    "form": "project_target",
    "fiscal_year": 2025,
    "project": {
        "code": "511703250031",
        "name": "农村公路养护工程",
        "department": {"code": "511703107", "name": "示例区交通运输局"},
        "implementing_unit": "示例区农村公路养护中心",
        "attribute": "延续",
        "period": {"start": 2023, "end": 2025},
        "prior_year_budget": 760.0,
        "ex_ante_assessment": "已开展",
    },
    "funds": {
        "medium_term": {"total": 2400.0, "fiscal": 2250.0, "other": 150.0},
        "annual": {"total": 820.0, "fiscal": 760.0, "other": 40.0},
    },
    "goals": {
        "medium_term": "2023—2025年完成全区农村公路日常养护和重点路段中修，农村公路优良中等路率稳定在85%以上。",
        "annual": "2025年完成农村公路日常养护420公里、中修改造35公里，保障群众安全便捷出行。",
    },
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "日常养护里程", "operator": "≥", "value": 420, "unit": "公里"},
        {"level1": "产出指标", "level2": "数量指标", "name": "中修改造里程", "operator": "≥", "value": 35, "unit": None},
        {"level1": "产出指标", "level2": "质量指标", "name": "优良中等路率", "operator": "≥", "value": 85, "unit": "%"},
        {"level1": "产出指标", "level2": "时效指标", "name": "中修工程完工时间", "operator": "≤", "value": "2025年11月底前", "unit": None},
        {"level1": "成本指标", "level2": "经济成本指标", "name": "每公里中修成本", "operator": "≤", "value": 9.5, "unit": "万元"},
        {"level1": "效益指标", "level2": "社会效益指标", "name": "群众出行条件", "operator": "定性", "value": "明显改善", "unit": None},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "沿线群众满意度", "operator": "≥", "value": 90, "unit": "%"},
    ],
}

FARMLAND_TARGET = {  # a new agriculture project, clean
    "form": "project_target",
    "fiscal_year": 2025,
    "project": {
        "code": "511703250047",
        "name": "高标准农田建设",
        "department": {"code": "511703112", "name": "示例区农业农村局"},
        "implementing_unit": "示例区农田建设服务中心",
        "attribute": "新增",
        "period": {"start": 2025, "end": 2027},
        "ex_ante_assessment": "已开展",
    },
    "funds": {
        "medium_term": {"total": 4500.0, "fiscal": 4200.0, "other": 300.0},
        "annual": {"total": 1500.0, "fiscal": 1400.0, "other": 100.0},
    },
    "goals": {
        "medium_term": "2025—2027年建成高标准农田3万亩，配套灌排和田间道路，亩均粮食产能提高100斤以上。",
        "annual": "2025年建成高标准农田1万亩，新建和整治沟渠40公里，工程验收合格率100%。",
    },
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "建成高标准农田面积", "operator": "≥", "value": 10000, "unit": "亩"},
        {"level1": "产出指标", "level2": "数量指标", "name": "新建和整治沟渠长度", "operator": "≥", "value": 40, "unit": "公里"},
        {"level1": "产出指标", "level2": "质量指标", "name": "工程验收合格率", "operator": "=", "value": 100, "unit": "%"},
        {"level1": "产出指标", "level2": "时效指标", "name": "工程完工时间", "operator": "≤", "value": "2025年12月底前", "unit": None},
        {"level1": "成本指标", "level2": "经济成本指标", "name": "亩均建设成本", "operator": "≤", "value": 1500, "unit": "元"},
        {"level1": "效益指标", "level2": "经济效益指标", "name": "亩均粮食产能提高", "operator": "≥", "value": 100, "unit": "斤"},
        {"level1": "效益指标", "level2": "生态效益指标", "name": "农田灌溉水有效利用系数", "operator": "≥", "value": 0.55, "unit": "系数"},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "受益农户满意度", "operator": "≥", "value": 90, "unit": "%"},
    ],
}

RENOVATION_SELFEVAL = {  # 老旧小区改造: funds and scores that do not add up, a missed target left unexplained
    "form": "project_selfeval",
    "fiscal_year": 2024,
    "project": {
        "code": "511703240058",
        "name": "城镇老旧小区改造",
        "department": {"code": "511703109", "name": "示例区住房和城乡建设局"},
        "implementing_unit": "示例区城市更新服务中心",
    },
    "funds": {
        "total": {"initial": 3000.0, "adjusted": 2800.0, "executed": 2500.0},
        "fiscal_current": {"initial": 2800.0, "adjusted": 2600.0, "executed": 2380.0},
        "carryover": {"initial": 0.0, "adjusted": 100.0, "executed": 60.0},
        "other": {"initial": 200.0, "adjusted": 200.0, "executed": 60.0},
        "weight": 10, "execution_rate": 89.29, "score": 8.93,
    },
    "goals": {
        "expected": "完成18个老旧小区改造，惠及居民3600户，改造后小区基础设施明显改善。",
        "actual": "完成15个老旧小区改造，惠及居民3050户，3个小区因居民意见未统一延至2025年实施。",
    },
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "改造小区数量", "operator": "≥", "target": 18, "actual": 15, "unit": "个",
         "weight": 20, "score": 20, "deviation": None},
        {"level1": "产出指标", "level2": "质量指标", "name": "竣工验收合格率", "operator": "=", "target": 100, "actual": 100, "unit": "%",
         "weight": 15, "score": 15, "deviation": None},
        {"level1": "产出指标", "level2": "时效指标", "name": "改造工程按期完工率", "operator": "≥", "target": 90, "actual": 83, "unit": "%",
         "weight": 15, "score": 13.83, "deviation": "3个小区居民意见未统一，开工推迟；已建立协商机制并列入2025年计划。"},
        {"level1": "效益指标", "level2": "社会效益指标", "name": "惠及居民户数", "operator": "≥", "target": 3600, "actual": 3050, "unit": "户",
         "weight": 15, "score": 12.71, "deviation": None},
        {"level1": "效益指标", "level2": "可持续影响指标", "name": "小区长效管理机制", "operator": "定性", "target": "建立健全",
         "actual": "部分达成年度指标并具有一定效果", "unit": None, "weight": 15, "score": 10, "deviation": "部分小区未引入物业服务，下一年度推动专业化物业管理全覆盖。"},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "居民满意度", "operator": "≥", "target": 90, "actual": 92, "unit": "%",
         "weight": 10, "score": 10, "deviation": None},
    ],
    "total_score": 90.47,
    "grade": "优",
}

AGRI_DEPT_SELFEVAL = {  # 农业农村局 self-evaluation: executed over budget, score over weight
    "form": "dept_selfeval",
    "fiscal_year": 2024,
    "department": {"code": "511703112", "name": "示例区农业农村局"},
    "funds": {"initial": 8600.0, "adjusted": 9100.0, "executed": 9250.0, "weight": 10, "execution_rate": 101.65, "score": 10},
    "goals": {
        "expected": "稳定粮食生产，完成高标准农田建设1.2万亩，农村人居环境整治行政村全覆盖。",
        "actual": "粮食播种面积稳定在36万亩，建成高标准农田1.2万亩，完成86个行政村人居环境整治。",
    },
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "建成高标准农田面积", "operator": "≥", "target": 12000, "actual": 12000, "unit": "亩",
         "weight": 20, "score": 20, "deviation": None},
        {"level1": "产出指标", "level2": "质量指标", "name": "农产品质量安全抽检合格率", "operator": "≥", "target": 98, "actual": 99.2, "unit": "%",
         "weight": 15, "score": 15, "deviation": None},
        {"level1": "产出指标", "level2": "时效指标", "name": "惠农补贴发放及时率", "operator": "=", "target": 100, "actual": 100, "unit": "%",
         "weight": 15, "score": 16, "deviation": None},
        {"level1": "效益指标", "level2": "经济效益指标", "name": "农村居民人均可支配收入增长", "operator": "≥", "target": 6, "actual": 6.3, "unit": "%",
         "weight": 15, "score": 15, "deviation": None},
        {"level1": "效益指标", "level2": "生态效益指标", "name": "农村人居环境整治村覆盖率", "operator": "=", "target": 100, "actual": 100, "unit": "%",
         "weight": 15, "score": 15, "deviation": None},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "农户满意度", "operator": "≥", "target": 90, "actual": 94, "unit": "%",
         "weight": 10, "score": 10, "deviation": None},
    ],
    "total_score": 101,
    "grade": "优",
}

HEALTH_PROJECT_TARGET = {  # two forms of 卫生健康局 in one workbook (with DEPT below)
    "form": "project_target",
    "fiscal_year": 2025,
    "project": {
        "code": "511703250063",
        "name": "基本公共卫生服务能力提升项目",
        "department": {"code": "511703115", "name": "示例区卫生健康局"},
        "implementing_unit": "示例区疾病预防控制中心",
        "attribute": "新增",
        "period": {"start": 2025, "end": 2027},
        "ex_ante_assessment": "已开展",
    },
    "funds": {
        "medium_term": {"total": 5800.0, "fiscal": 5800.0, "other": 0.0},
        "annual": {"total": 1900.0, "fiscal": 1900.0, "other": 0.0},
    },
    "goals": {
        "medium_term": "2025—2027年为辖区常住居民免费提供国家基本公共卫生服务，重点人群健康管理水平持续提高。",
        "annual": "2025年居民电子健康档案建档率保持在90%以上，65岁及以上老年人健康管理率达到65%。",
    },
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "65岁及以上老年人健康管理人数", "operator": "≥", "value": 21000, "unit": "人"},
        {"level1": "产出指标", "level2": "质量指标", "name": "居民电子健康档案建档率", "operator": "≥", "value": 90, "unit": "%"},
        {"level1": "产出指标", "level2": "时效指标", "name": "补助资金拨付时间", "operator": "≤", "value": "2025年10月底前", "unit": None},
        {"level1": "成本指标", "level2": "经济成本指标", "name": "人均基本公共卫生服务补助标准", "operator": "≥", "value": 94, "unit": "元"},
        {"level1": "效益指标", "level2": "社会效益指标", "name": "老年人健康管理率", "operator": "≥", "value": 65, "unit": "%"},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "居民满意度", "operator": "≥", "value": 85, "unit": "%"},
    ],
}

HEALTH_DEPT_TARGET = {  # the department form of the same workbook: 资金总额 does not add up
    "form": "dept_target",
    "fiscal_year": 2025,
    "department": {"code": "511703115", "name": "示例区卫生健康局"},
    "funds": {"total": 6800.0, "fiscal": 6500.0, "other": 200.0, "basic": 4100.0, "project": 2700.0},
    "tasks": [
        {"name": "基本公共卫生服务", "description": "为辖区常住居民提供国家基本公共卫生服务", "amount": 1900.0},
        {"name": "基层医疗机构能力提升", "description": "为6个乡镇卫生院配置诊疗设备", "amount": 600.0},
    ],
    "goals": {"annual": "保障机关和所属单位正常运转，完成基本公共卫生服务、基层医疗机构能力提升等年度重点任务。"},
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "配置诊疗设备的乡镇卫生院数", "operator": "≥", "value": 6, "unit": "个"},
        {"level1": "产出指标", "level2": "质量指标", "name": "设备验收合格率", "operator": "=", "value": 100, "unit": "%"},
        {"level1": "产出指标", "level2": "时效指标", "name": "设备配置完成时间", "operator": "≤", "value": "2025年9月底前", "unit": None},
        {"level1": "效益指标", "level2": "社会效益指标", "name": "基层诊疗量占比", "operator": "≥", "value": 60, "unit": "%"},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "群众就医满意度", "operator": "≥", "value": 88, "unit": "%"},
    ],
}

ROAD_SELFEVAL = {  # the road project's previous year, evaluated cleanly
    "form": "project_selfeval",
    "fiscal_year": 2024,
    "project": {
        "code": "511703240031",
        "name": "农村公路养护工程",
        "department": {"code": "511703107", "name": "示例区交通运输局"},
        "implementing_unit": "示例区农村公路养护中心",
    },
    "funds": {
        "total": {"initial": 760.0, "adjusted": 760.0, "executed": 745.0},
        "fiscal_current": {"initial": 720.0, "adjusted": 720.0, "executed": 710.0},
        "carryover": {"initial": 0.0, "adjusted": 0.0, "executed": 0.0},
        "other": {"initial": 40.0, "adjusted": 40.0, "executed": 35.0},
        "weight": 10, "execution_rate": 98.03, "score": 9.8,
    },
    "goals": {
        "expected": "完成农村公路日常养护410公里、中修改造30公里，优良中等路率达到85%。",
        "actual": "完成日常养护412公里、中修改造30公里，优良中等路率86.2%，全年未发生因路况引发的交通事故。",
    },
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "日常养护里程", "operator": "≥", "target": 410, "actual": 412,
         "unit": "公里", "weight": 20, "score": 20, "deviation": None},
        {"level1": "产出指标", "level2": "数量指标", "name": "中修改造里程", "operator": "≥", "target": 30, "actual": 30,
         "unit": "公里", "weight": 10, "score": 10, "deviation": None},
        {"level1": "产出指标", "level2": "质量指标", "name": "优良中等路率", "operator": "≥", "target": 85, "actual": 86.2,
         "unit": "%", "weight": 10, "score": 10, "deviation": None},
        {"level1": "产出指标", "level2": "时效指标", "name": "中修工程按期完工率", "operator": "=", "target": 100, "actual": 100,
         "unit": "%", "weight": 10, "score": 10, "deviation": None},
        {"level1": "效益指标", "level2": "社会效益指标", "name": "群众出行条件", "operator": "定性", "target": "明显改善",
         "actual": "达成年度指标", "unit": None, "weight": 15, "score": 15, "deviation": None},
        {"level1": "效益指标", "level2": "可持续影响指标", "name": "养护长效机制", "operator": "定性", "target": "持续完善",
         "actual": "达成年度指标", "unit": None, "weight": 15, "score": 15, "deviation": None},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "沿线群众满意度", "operator": "≥", "target": 90, "actual": 93,
         "unit": "%", "weight": 10, "score": 10, "deviation": None},
    ],
    "total_score": 99.8,
    "grade": "优",
}

AGRI_DEPT_TARGET = {  # 农业农村局's department targets for the next year, clean
    "form": "dept_target",
    "fiscal_year": 2025,
    "department": {"code": "511703112", "name": "示例区农业农村局"},
    "funds": {"total": 9400.0, "fiscal": 9100.0, "other": 300.0, "basic": 2600.0, "project": 6800.0},
    "tasks": [
        {"name": "高标准农田建设", "description": "建成高标准农田1万亩，配套灌排和田间道路", "amount": 1500.0},
        {"name": "耕地地力保护补贴", "description": "按实际种植面积发放耕地地力保护补贴", "amount": 2300.0},
        {"name": "农村人居环境整治", "description": "推进农村厕所革命和生活垃圾治理", "amount": 1200.0},
    ],
    "goals": {"annual": "稳定粮食生产，建成高标准农田1万亩，耕地地力保护补贴按时足额发放，农村人居环境持续改善。"},
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "建成高标准农田面积", "operator": "≥", "value": 10000, "unit": "亩"},
        {"level1": "产出指标", "level2": "数量指标", "name": "粮食播种面积", "operator": "≥", "value": 36, "unit": "万亩"},
        {"level1": "产出指标", "level2": "质量指标", "name": "农产品质量安全抽检合格率", "operator": "≥", "value": 98, "unit": "%"},
        {"level1": "产出指标", "level2": "时效指标", "name": "补贴资金发放时间", "operator": "≤", "value": "2025年6月底前", "unit": None},
        {"level1": "效益指标", "level2": "经济效益指标", "name": "农村居民人均可支配收入增长", "operator": "≥", "value": 6, "unit": "%"},
        {"level1": "效益指标", "level2": "生态效益指标", "name": "农村生活垃圾治理行政村覆盖率", "operator": "=", "value": 100, "unit": "%"},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "农户满意度", "operator": "≥", "value": 90, "unit": "%"},
    ],
}

HEALTH_DEPT_SELFEVAL = {  # 卫生健康局's self-evaluation: a qualitative score outside its band, a wrong grade
    "form": "dept_selfeval",
    "fiscal_year": 2024,
    "department": {"code": "511703115", "name": "示例区卫生健康局"},
    "funds": {"initial": 6200.0, "adjusted": 6500.0, "executed": 6110.0, "weight": 10, "execution_rate": 94.0, "score": 9.4},
    "goals": {
        "expected": "做实家庭医生签约服务，重点人群签约覆盖率达到75%，居民健康素养水平提高到28%以上。",
        "actual": "家庭医生签约53100人，重点人群签约覆盖率71%，居民健康素养水平29.5%，基层服务网络仍有短板。",
    },
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "家庭医生签约人数", "operator": "≥", "target": 52000, "actual": 53100,
         "unit": "人", "weight": 20, "score": 20, "deviation": None},
        {"level1": "产出指标", "level2": "质量指标", "name": "重点人群签约服务覆盖率", "operator": "≥", "target": 75, "actual": 71,
         "unit": "%", "weight": 15, "score": 14.2, "deviation": "部分乡镇家庭医生团队人员不足；2025年通过县乡一体化调配补齐团队。"},
        {"level1": "产出指标", "level2": "时效指标", "name": "补助资金拨付及时率", "operator": "=", "target": 100, "actual": 100,
         "unit": "%", "weight": 15, "score": 15, "deviation": None},
        {"level1": "效益指标", "level2": "社会效益指标", "name": "居民健康素养水平", "operator": "≥", "target": 28, "actual": 29.5,
         "unit": "%", "weight": 15, "score": 15, "deviation": None},
        {"level1": "效益指标", "level2": "可持续影响指标", "name": "基层医疗卫生服务体系", "operator": "定性", "target": "持续完善",
         "actual": "未达成年度指标且效果较差", "unit": None, "weight": 15, "score": 12,
         "deviation": "村卫生室标准化建设滞后，2025年完成12个村卫生室改造。"},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "群众满意度", "operator": "≥", "target": 85, "actual": 88,
         "unit": "%", "weight": 10, "score": 10, "deviation": None},
    ],
    "total_score": 95.6,
    "grade": "良",
}

WATER_TARGET = {  # filled by a script and never opened in Excel: a formula without a computed value,
    # a vague number, and a 审核豁免 sheet with a waiver that gives no reason and one that waives nothing
    "form": "project_target",
    "fiscal_year": 2025,
    "project": {
        "code": "511703250072",
        "name": "城乡供水一体化",
        "department": {"code": "511703118", "name": "示例区水利局"},
        "implementing_unit": "示例区水务服务中心",
        "attribute": "新增",
        "period": {"start": 2025, "end": 2026},
        "ex_ante_assessment": "已开展",
    },
    "funds": {
        "medium_term": {"total": 2600.0, "fiscal": 2400.0, "other": 200.0},
        "annual": {"total": 1400.0, "fiscal": 1300.0, "other": 100.0},
    },
    "goals": {
        "medium_term": "2025—2026年新建和改造城乡供水管网，实现城乡供水同网同质同价。",
        "annual": "2025年新建供水管网85公里，新增受益人口约2.6万人，农村自来水普及率达到96%。",
    },
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "新建供水管网长度", "operator": "≥", "value": 85, "unit": "公里"},
        {"level1": "产出指标", "level2": "数量指标", "name": "新增受益人口", "operator": "≥", "value": "约2.6", "unit": "万人"},
        {"level1": "产出指标", "level2": "质量指标", "name": "出厂水水质达标率", "operator": "=", "value": 100, "unit": "%"},
        {"level1": "产出指标", "level2": "时效指标", "name": "管网工程完工时间", "operator": "≤", "value": "2025年11月底前", "unit": None},
        {"level1": "成本指标", "level2": "经济成本指标", "name": "每公里管网建设成本", "operator": "≤", "value": 14, "unit": "万元"},
        {"level1": "效益指标", "level2": "社会效益指标", "name": "农村自来水普及率", "operator": "≥", "value": 96, "unit": "%"},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "用水群众满意度", "operator": "≥", "value": 90, "unit": "%"},
    ],
    "waivers": [
        {"rule": "I307", "where": "/indicators/3/unit", "reason": ""},
        {"rule": "A201", "where": "/funds/annual/total", "reason": "年中追加资金已报财政局备案"},
    ],
}
# the cell written as a formula that no spreadsheet program has computed
WATER_FORMULA = ("/funds/annual/total", ("/funds/annual/fiscal", "/funds/annual/other"))

# (file name, document, layout); the suffix picks the format. Every file holds a different
# document, because checking them together also runs the cross-document rules (a form filed
# twice is a finding).
SAMPLES = [
    ("2025_义务教育学生营养改善计划_绩效目标表.xlsx", base("project_target"), "reference"),
    ("2025_高标准农田建设_绩效目标申报表.xlsx", FARMLAND_TARGET, "provincial"),
    ("2024_义务教育学生营养改善计划_绩效自评表.xlsx", base("project_selfeval"), "national"),
    ("2024_城镇老旧小区改造_项目支出绩效自评表.xlsx", RENOVATION_SELFEVAL, "provincial"),
    ("2025_示例县教育局_部门整体支出绩效目标表.xlsx", base("dept_target"), "reference"),
    ("2024_示例县农业农村局_部门整体支出绩效自评表.xlsx", AGRI_DEPT_SELFEVAL, "national"),
    ("2025_农村公路养护工程_绩效目标申报表.xls", ROAD_TARGET, "national"),
    ("2024_农村公路养护工程_绩效自评表.xls", ROAD_SELFEVAL, "reference"),
    ("2024_示例县教育局_部门整体支出绩效自评表.xls", base("dept_selfeval"), "provincial"),
    ("2025_示例县农业农村局_部门整体支出绩效目标表.xls", AGRI_DEPT_TARGET, "national"),
    ("2024_示例县卫生健康局_部门整体支出绩效自评表.xls", HEALTH_DEPT_SELFEVAL, "provincial"),
    # a macro-enabled workbook (.xlsm) as some departments' own templates are
    ("2025_城乡供水一体化_绩效目标表.xlsm", WATER_TARGET, "reference"),
]

# the faulty documents, each with the codes it is returned for (kind → document)
FAULTY = {
    "project_target": (ROAD_TARGET, {"A201", "I307"}),
    "project_selfeval": (RENOVATION_SELFEVAL, {"A204", "S404", "S408"}),
    "dept_target": (HEALTH_DEPT_TARGET, {"A208"}),
    "dept_selfeval": (AGRI_DEPT_SELFEVAL, {"A205", "S403"}),
}

# one workbook holding two forms on two sheets, plus its 填报说明 sheet
COMBINED = ("2025_示例县卫生健康局_绩效目标表（项目+部门）.xlsx",
            [(HEALTH_PROJECT_TARGET, "reference"), (HEALTH_DEPT_TARGET, "reference")],
            ["项目绩效目标", "部门整体绩效目标"])


def _county(doc: dict) -> dict:
    """The workbooks are filed by 示例县 (codes 511722…), so that checking the whole samples/ folder,
    whose JSON samples are 示例区's (511703…), finds no form filed twice."""
    text = json.dumps(doc, ensure_ascii=False).replace("511703", "511722").replace("示例区", "示例县")
    return json.loads(text)


def _reproducible(path: Path) -> None:
    """Fixed zip and document timestamps, so regenerating unchanged content changes no bytes."""
    if path.suffix not in (".xlsx", ".xlsm"):
        return
    with zipfile.ZipFile(path) as zin:
        parts = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>2025-01-01T00:00:00Z", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(fixed, data)


def _uncomputed_formula(path: Path, doc: dict, layout: str, target: str, parts: tuple[str, ...]) -> None:
    """Replace a value by a formula over other cells, saved without a computed value."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    from perflint.template import build_sheet

    sheet = build_sheet(doc["form"], doc, layout)
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet.name]
    cell = lambda ptr: "{}{}".format(get_column_letter(sheet.locations[ptr][1]), sheet.locations[ptr][0])  # noqa: E731
    ws[cell(target)] = "=" + "+".join(cell(p) for p in parts)
    wb.save(path)
    if path.suffix == ".xlsm":
        macro_enabled(path)  # openpyxl saves the package type of a plain .xlsx


# a county template's dropdowns: their lists kept in a hidden column beside the form, which a
# reviewer never sees and perflint does not read (an info note, F012)
DROPDOWN_LISTS = ("产出指标", "效益指标", "满意度指标", "成本指标", "≥", "≤", "＝", "定性")
WITH_DROPDOWN_LISTS = "2025_高标准农田建设_绩效目标申报表.xlsx"


def _dropdown_lists(path: Path) -> None:
    """Add the lists in a hidden column two right of the form, and a dropdown over the 一级指标 cells."""
    import openpyxl
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    letter = get_column_letter(ws.max_column + 2)
    for r, value in enumerate(DROPDOWN_LISTS, 1):
        ws[f"{letter}{r}"] = value
    ws.column_dimensions[letter].hidden = True
    levels = [c.coordinate for row in ws.iter_rows(max_col=ws.max_column - 2) for c in row
              if c.value in DROPDOWN_LISTS[:4]]
    dropdown = DataValidation(type="list", formula1=f"${letter}$1:${letter}$4", allow_blank=True)
    for cell in levels:
        dropdown.add(cell)
    ws.add_data_validation(dropdown)
    wb.save(path)


def main() -> None:
    for folder in ("xlsx", "xls"):
        target = HERE / folder
        target.mkdir(exist_ok=True)
        for old in [*target.glob("*.xls"), *target.glob("*.xlsx"), *target.glob("*.xlsm")]:
            old.unlink()
    for name, doc, layout in SAMPLES:
        folder = HERE / ("xls" if name.endswith(".xls") else "xlsx")
        write_template(doc["form"], folder / name, _county(doc), layout)
        if doc is WATER_TARGET:
            _uncomputed_formula(folder / name, doc, layout, *WATER_FORMULA)
        if name == WITH_DROPDOWN_LISTS:
            _dropdown_lists(folder / name)
        _reproducible(folder / name)
        print(folder.relative_to(ROOT) / name)
    name, forms, sheets = COMBINED
    write_workbook(HERE / "xlsx" / name, [(_county(doc), layout) for doc, layout in forms], sheet_names=sheets)
    _reproducible(HERE / "xlsx" / name)
    print(Path("samples/xlsx") / name)


if __name__ == "__main__":
    main()
