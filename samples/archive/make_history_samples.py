"""Regenerate samples/returns/ (this year's returns) and samples/archive/ (what was filed before).

    python samples/archive/make_history_samples.py

`perflint check samples/returns --history samples/archive` then shows every H rule firing on some
document and passing on others. Most documents are JSON; the approved 2024 target sheets in the
archive and one return are workbooks (the national layout), so findings point at their cells.
"""
import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'tests'))
from fixturelib import base_document  # noqa: E402
from perflint.template import write_workbook  # noqa: E402

R = os.path.join(ROOT, 'samples', 'returns')
A = os.path.join(ROOT, 'samples', 'archive')
for d in (R, A + '/2024'):
    os.makedirs(d, exist_ok=True)


def save(folder, name, doc):
    if name.endswith('.xlsx'):
        write_workbook(os.path.join(folder, name), [(doc, 'national')], instructions=False)
        return
    with open(os.path.join(folder, name), 'w', encoding='utf-8') as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=2)
        fh.write('\n')

EDU = {"code": "511703101", "name": "示例区教育局"}
HEALTH = {"code": "511703201", "name": "示例区卫生健康局"}

# --- returns: 2025 targets ---
nutrition = base_document('project_target')
save(R, '2025_义务教育学生营养改善计划_项目目标表.json', nutrition)
save(R, '2025_义务教育学生营养改善计划_项目目标表_重复报送.json', nutrition)

repair = base_document('project_target')
p = repair['project']
p.update(code='511703250021', name='中小学校舍维修改造', attribute='延续', period={'start': 2023, 'end': 2027},
         prior_year_budget=500.0, ex_ante_assessment='未开展')
repair['funds'] = {'medium_term': {'total': 2500.0, 'fiscal': 2500.0, 'other': 0.0},
                   'annual': {'total': 600.0, 'fiscal': 600.0, 'other': 0.0}}
repair['goals'] = {'medium_term': '2023—2027年完成全区中小学校舍维修改造，消除安全隐患。',
                   'annual': '2025年完成12所学校校舍维修改造，工程验收合格。'}
repair['indicators'] = [
    {"level1": "产出指标", "level2": "数量指标", "name": "维修改造学校数", "operator": "≥", "value": 12, "unit": "所"},
    {"level1": "产出指标", "level2": "质量指标", "name": "工程验收合格率", "operator": "=", "value": 100, "unit": "%"},
    {"level1": "产出指标", "level2": "时效指标", "name": "工程完工时间", "operator": "≤", "value": "2025年8月底前", "unit": None},
    {"level1": "效益指标", "level2": "社会效益指标", "name": "校舍安全隐患消除", "operator": "定性", "value": "明显改善", "unit": None},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "师生满意度", "operator": "≥", "value": 90, "unit": "%"}]
save(R, '2025_中小学校舍维修改造_项目目标表.xlsx', repair)

smart = copy.deepcopy(repair)
smart['project'].update(code='511703250045', name='智慧校园信息化建设', attribute='新增', period={'start': 2025, 'end': 2025},
                        prior_year_budget=None, ex_ante_assessment='未开展')
del smart['project']['prior_year_budget']
smart['funds'] = {'medium_term': {'total': 300.0, 'fiscal': 300.0, 'other': 0.0},
                  'annual': {'total': 300.0, 'fiscal': 300.0, 'other': 0.0}}
smart['goals'] = {'medium_term': '2025年建成区级智慧校园平台。', 'annual': '2025年建成区级智慧校园平台，接入全区中小学。'}
smart['indicators'] = [
    {"level1": "产出指标", "level2": "数量指标", "name": "接入学校数", "operator": "≥", "value": 40, "unit": "所"},
    {"level1": "产出指标", "level2": "质量指标", "name": "平台验收合格率", "operator": "=", "value": 100, "unit": "%"},
    {"level1": "产出指标", "level2": "时效指标", "name": "平台上线时间", "operator": "≤", "value": "2025年10月底前", "unit": None},
    {"level1": "效益指标", "level2": "社会效益指标", "name": "教学管理效率", "operator": "定性", "value": "明显提升", "unit": None},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "师生满意度", "operator": "≥", "value": 90, "unit": "%"}]
save(R, '2025_智慧校园信息化建设_项目目标表.json', smart)

training = copy.deepcopy(repair)
training['project'].update(code='511703250033', name='中小学教师培训', attribute='延续', period={'start': 2023, 'end': 2027},
                           prior_year_budget=200.0, ex_ante_assessment='未开展')
training['funds'] = {'medium_term': {'total': 1100.0, 'fiscal': 1100.0, 'other': 0.0},
                     'annual': {'total': 220.0, 'fiscal': 220.0, 'other': 0.0}}
training['goals'] = {'medium_term': '2023—2027年轮训全区中小学教师。', 'annual': '2025年培训教师1000人次，培训合格率95%以上。'}
training['indicators'] = [
    {"level1": "产出指标", "level2": "数量指标", "name": "培训人次", "operator": "≥", "value": 1000, "unit": "人次"},
    {"level1": "产出指标", "level2": "质量指标", "name": "培训合格率", "operator": "≥", "value": 95, "unit": "%"},
    {"level1": "产出指标", "level2": "时效指标", "name": "培训按时完成率", "operator": "=", "value": 100, "unit": "%"},
    {"level1": "效益指标", "level2": "社会效益指标", "name": "教师教学能力", "operator": "定性", "value": "明显提升", "unit": None},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "参训教师满意度", "operator": "≥", "value": 90, "unit": "%"}]
save(R, '2025_中小学教师培训_项目目标表.json', training)

edu_dept = base_document('dept_target')
save(R, '2025_示例区教育局_部门整体目标表.json', edu_dept)

health_dept = base_document('dept_target')
health_dept['department'] = dict(HEALTH)
health_dept['funds'] = {"total": 3000.0, "fiscal": 2900.0, "other": 100.0, "basic": 2000.0, "project": 1000.0}
health_dept['tasks'] = [{"name": "基本公共卫生服务", "description": "为辖区居民提供基本公共卫生服务", "amount": 800.0}]
health_dept['goals'] = {"annual": "保障卫生健康机构正常运转，做好基本公共卫生服务。"}
health_dept['indicators'] = [
    {"level1": "产出指标", "level2": "数量指标", "name": "居民健康档案建档人数", "operator": "≥", "value": 150000, "unit": "人"},
    {"level1": "产出指标", "level2": "质量指标", "name": "健康档案规范化率", "operator": "≥", "value": 90, "unit": "%"},
    {"level1": "产出指标", "level2": "时效指标", "name": "补助资金拨付时间", "operator": "≤", "value": "2025年12月底前", "unit": None},
    {"level1": "效益指标", "level2": "社会效益指标", "name": "居民健康水平", "operator": "定性", "value": "稳步提高", "unit": None},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "居民满意度", "operator": "≥", "value": 90, "unit": "%"}]
save(R, '2025_示例区卫生健康局_部门整体目标表.json', health_dept)

phs = copy.deepcopy(repair)
phs['project'].update(code='511703250101', name='基本公共卫生服务', department=dict(HEALTH), implementing_unit='示例区卫生健康局',
                      attribute='延续', period={'start': 2021, 'end': 2025}, prior_year_budget=780.0, ex_ante_assessment='已开展')
phs['funds'] = {'medium_term': {'total': 3900.0, 'fiscal': 3900.0, 'other': 0.0},
                'annual': {'total': 800.0, 'fiscal': 800.0, 'other': 0.0}}
phs['goals'] = {'medium_term': '2021—2025年为辖区居民提供基本公共卫生服务。', 'annual': '2025年为辖区居民建立健康档案并提供基本公共卫生服务。'}
phs['indicators'] = health_dept['indicators']
save(R, '2025_基本公共卫生服务_项目目标表.json', phs)

# --- returns: 2024 self-evaluations ---
nutrition_se = base_document('project_selfeval')
save(R, '2024_义务教育学生营养改善计划_项目自评表.json', nutrition_se)

tr = base_document('project_selfeval')
del tr['project']['code']  # filed without a code: matched by department and name
tr['project']['name'] = '中小学教师培训'
tr['funds'] = {"total": {"initial": 200.0, "adjusted": 200.0, "executed": 144.0},
               "fiscal_current": {"initial": 200.0, "adjusted": 200.0, "executed": 144.0},
               "carryover": {"initial": 0.0, "adjusted": 0.0, "executed": 0.0},
               "other": {"initial": 0.0, "adjusted": 0.0, "executed": 0.0},
               "weight": 10, "execution_rate": 72.0, "score": 7.2}
tr['goals'] = {"expected": "2024年培训教师1000人次，培训合格率95%以上。", "actual": "全年培训教师600人次，合格率95%，部分培训延期。"}
dev = "部分培训因师资不足延期；下一年度提前确定师资并分批组织。"
tr['indicators'] = [
    {"level1": "产出指标", "level2": "数量指标", "name": "培训人次", "operator": "≥", "target": 1000, "actual": 600, "unit": "人次", "weight": 30, "score": 18, "deviation": dev},
    {"level1": "产出指标", "level2": "质量指标", "name": "培训合格率", "operator": "≥", "target": 95, "actual": 95, "unit": "%", "weight": 10, "score": 10, "deviation": None},
    {"level1": "产出指标", "level2": "时效指标", "name": "培训按时完成率", "operator": "=", "target": 100, "actual": 100, "unit": "%", "weight": 10, "score": 10, "deviation": None},
    {"level1": "效益指标", "level2": "社会效益指标", "name": "教师教学能力", "operator": "定性", "target": "明显提升", "actual": "部分达成年度指标并具有一定效果", "unit": None, "weight": 30, "score": 20, "deviation": dev},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "参训教师满意度", "operator": "≥", "target": 90, "actual": 80, "unit": "%", "weight": 10, "score": 8.89, "deviation": dev}]
tr['total_score'] = 74.09
tr['grade'] = '中'
save(R, '2024_中小学教师培训_项目自评表.json', tr)

hse = base_document('dept_selfeval')
hse['department'] = dict(HEALTH)
save(R, '2024_示例区卫生健康局_部门整体自评表.json', hse)

# --- archive: what was approved and filed for 2024 ---
n24 = base_document('project_target')
n24['fiscal_year'] = 2024
n24['project'].update(code='511703240012', prior_year_budget=1150.0)
n24['funds']['annual'] = {'total': 1200.0, 'fiscal': 1150.0, 'other': 50.0}
n24['goals']['annual'] = '2024年为全区32000名义务教育学生提供营养膳食补助，学生营养状况明显改善。'
n24['indicators'] = [{k: v for k, v in i.items() if k in ('level1', 'level2', 'name', 'operator', 'unit')} | {'value': i['target']}
                     for i in nutrition_se['indicators']]
save(A + '/2024', '2024_义务教育学生营养改善计划_项目目标表.xlsx', n24)

t24 = copy.deepcopy(training)
t24['fiscal_year'] = 2024
t24['project'].update(code='511703240033', prior_year_budget=190.0, ex_ante_assessment='已开展')
t24['funds']['annual'] = {'total': 210.0, 'fiscal': 210.0, 'other': 0.0}
t24['goals']['annual'] = '2024年培训教师1200人次，培训合格率95%以上。'
t24['indicators'][0]['value'] = 1200
t24['indicators'][2]['value'] = 100
save(A + '/2024', '2024_中小学教师培训_项目目标表.xlsx', t24)

p24 = base_document('project_selfeval')
p24['project'] = {'code': '511703240101', 'name': '基本公共卫生服务', 'department': dict(HEALTH), 'implementing_unit': '示例区卫生健康局'}
p24['funds'] = {"total": {"initial": 780.0, "adjusted": 780.0, "executed": 709.8},
                "fiscal_current": {"initial": 780.0, "adjusted": 780.0, "executed": 709.8},
                "carryover": {"initial": 0.0, "adjusted": 0.0, "executed": 0.0},
                "other": {"initial": 0.0, "adjusted": 0.0, "executed": 0.0},
                "weight": 10, "execution_rate": 91.0, "score": 9.1}
p24['indicators'][4]['score'] = 12
p24['indicators'][4]['actual'] = '部分达成年度指标并具有一定效果'
p24['indicators'][5]['score'] = 10
p24['indicators'][5]['actual'] = '部分达成年度指标并具有一定效果'
p24['indicators'][5]['deviation'] = '长效机制仍在建立中；下一年度出台管理办法。'
p24['total_score'] = round(9.1 + 20 + 15 + 10 + 5 + 12 + 10 + 10, 2)
p24['grade'] = '优'
save(A + '/2024', '2024_基本公共卫生服务_项目自评表.json', p24)

save(A + '/2024', '2024_示例区教育局_部门整体自评表.json', base_document('dept_selfeval'))

