"""Regenerate the example ledgers in examples/ (seeded, deterministic): python examples/generate.py

Synthetic but realistic: names and districts of each place, a mix of compliant and violating institutions, a few
rows with missing fields. The CSV is GB18030 with Chinese headers (as provincial systems export it); the XLSX has an
机构 sheet plus 班级 and 人员 sheets keyed by 机构编号; the JSONL holds the same records.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PLACES = {
    "luzhou_longmatan": (
        "LMT",
        [
            "红星街道",
            "小市街道",
            "高坝街道",
            "莲花池街道",
            "鱼塘街道",
            "安宁街道",
            "特兴街道",
            "金龙镇",
            "石洞镇",
            "双加镇",
        ],
        2023,
    ),
    "nanchang": (
        "NC",
        ["东湖区", "西湖区", "青云谱区", "青山湖区", "新建区", "红谷滩区", "南昌县", "进贤县", "安义县"],
        2023,
    ),
    "huzhou": ("HZ", ["吴兴区", "南浔区", "德清县", "长兴县", "安吉县"], 2023),
    "fujian": ("FJ", ["福州市", "厦门市", "泉州市", "漳州市", "莆田市", "三明市", "南平市", "龙岩市", "宁德市"], 2021),
    "chaisang": ("CS", ["柴桑街道", "沙河街道", "岷山乡", "江洲镇", "城子镇", "港口街镇", "新合镇", "狮子街道"], 2021),
}
SUFFIX = ["托育园", "婴幼儿照护中心", "宝贝托育", "育婴园", "托育中心", "幼儿园托班"]
EDU = ["secondary", "associate", "bachelor"]
HEADER_ZH = [
    "机构编号",
    "机构名称",
    "所属区县",
    "机构类型",
    "性质",
    "是否综合服务中心",
    "是否普惠",
    "是否备案",
    "星级",
    "托位数",
    "室内使用面积(㎡)",
    "室外活动场地面积(㎡)",
    "建筑面积(㎡)",
    "场地性质",
    "租赁年限",
    "月收费",
    "普惠指导价",
    "本地户籍在托人数",
    "乳儿班人数",
    "乳儿班保育人员数",
    "托小班人数",
    "托小班保育人员数",
    "托大班人数",
    "托大班保育人员数",
    "监控是否安装",
    "监控24小时设防",
    "监控保存天数",
    "建设类型",
    "新增托位",
    "是否获省级托位补助",
    "是否享受中央资金",
]
FORM_ZH = {
    "center": "托育中心",
    "kindergarten_class": "幼儿园托班",
    "employer": "用人单位办托",
    "community": "社区托育点",
    "family": "家庭托育点",
}
OWN_ZH = {"public": "公办", "private": "民办", "mixed": "公建民营"}
CLASS_ZH = {"infant": "乳儿班", "toddler": "托小班", "older": "托大班"}


def yn(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def institution(rng: random.Random, prefix: str, districts: list[str], i: int) -> dict[str, Any]:
    district = rng.choice(districts)
    form = rng.choice(["center", "center", "center", "kindergarten_class", "employer", "community"])
    faulty = rng.random() < 0.45
    classes = []
    for kind, size, ratio in (("infant", 10, 3), ("toddler", 15, 5), ("older", 20, 7)):
        if rng.random() < 0.8:
            enrolled = rng.randint(size - 6, size + (2 if faulty and rng.random() < 0.4 else 0))
            caregivers = -(-enrolled // ratio) - (1 if faulty and rng.random() < 0.3 else 0) + rng.randint(0, 1)
            classes.append({"type": kind, "enrolled": enrolled, "caregivers": caregivers})
    slots = sum(c["enrolled"] for c in classes) + rng.randint(0, 20)
    indoor = round(slots * (rng.uniform(4.6, 5.0) if faulty and rng.random() < 0.4 else rng.uniform(5.0, 7.0)), 1)
    outdoor = round(slots * rng.uniform(2.0, 3.0), 1)
    leased = rng.random() < 0.7
    inclusive = rng.random() < 0.65
    staff = [
        {
            "role": "manager",
            "education": rng.choice(EDU),
            "management_years": rng.choice([2, 3, 5]) if faulty else rng.choice([3, 5, 8]),
            "trained": True,
            "banned": False,
        }
    ]
    for _ in range(sum(c["caregivers"] for c in classes)):
        staff.append(
            {
                "role": "caregiver",
                "education": rng.choice(EDU),
                "related_major": rng.random() < (0.9 if faulty else 1.0),
                "certificates": ["childcare"] if rng.random() < (0.85 if faulty else 1.0) else [],
                "banned": False,
            }
        )
    staff.append(
        {
            "role": "health",
            "education": rng.choice(["associate", "bachelor"]),
            "related_major": True,
            "certificates": ["health_title"],
            "trained": True,
            "banned": False,
        }
    )
    staff.append({"role": "security", "certificates": ["security_guard"], "banned": False})
    record: dict[str, Any] = {
        "id": f"{prefix}-{i:03d}",
        "name": f"{district}{rng.choice(['阳光', '星星', '小太阳', '贝贝', '启航', '彩虹', '童心'])}{rng.choice(SUFFIX)}",
        "district": district,
        "form": form,
        "ownership": rng.choice(["public", "private", "private", "mixed"]),
        "comprehensive_center": i == 1,
        "inclusive": inclusive,
        "filed": rng.random() < 0.92,
        "star_rating": rng.randint(2, 5),
        "total_slots": slots,
        "indoor_area_m2": indoor,
        "outdoor_area_m2": outdoor,
        "building_area_m2": round(slots * rng.uniform(11.5, 14), 1),
        "tenure": "leased" if leased else "owned",
        "lease_years": rng.choice([2, 3, 5, 10]) if leased else None,
        "monthly_fee": rng.choice([1200, 1500, 1800, 2200]),
        "guide_price": 1800,
        "local_hukou_enrolled": rng.randint(5, 30),
        "classes": classes,
        "staff": staff,
        "surveillance": {
            "installed": True,
            "always_on": rng.random() < 0.93,
            "retention_days": rng.choice([90, 90, 180, 60]),
        },
        "construction": {
            "kind": "new" if rng.random() < 0.3 else "none",
            "new_slots": rng.choice([0, 20, 40]),
            "provincial_slot_subsidy": rng.random() < 0.3,
            "central_funding": rng.random() < 0.1,
        },
    }
    if rng.random() < 0.07:  # incomplete ledgers happen: some rows lack areas
        record["indoor_area_m2"] = None
        record["outdoor_area_m2"] = None
    return {k: v for k, v in record.items() if v is not None}


def csv_row(r: dict[str, Any]) -> list[Any]:
    by_type = {c["type"]: c for c in r["classes"]}
    sv, cons = r["surveillance"], r["construction"]
    cells = [
        r["id"],
        r["name"],
        r["district"],
        FORM_ZH[r["form"]],
        OWN_ZH[r["ownership"]],
        yn(r["comprehensive_center"]),
        yn(r["inclusive"]),
        yn(r["filed"]),
        r["star_rating"],
        r["total_slots"],
        r.get("indoor_area_m2", ""),
        r.get("outdoor_area_m2", ""),
        r["building_area_m2"],
        "租赁" if r["tenure"] == "leased" else "自有",
        r.get("lease_years", ""),
        r["monthly_fee"],
        r["guide_price"],
        r["local_hukou_enrolled"],
    ]
    for kind in ("infant", "toddler", "older"):
        c = by_type.get(kind)
        cells += [c["enrolled"], c["caregivers"]] if c else ["", ""]
    cells += [
        yn(sv["installed"]),
        yn(sv["always_on"]),
        sv["retention_days"],
        {"new": "新建", "none": "无", "expansion": "改扩建"}[cons["kind"]],
        cons["new_slots"],
        yn(cons["provincial_slot_subsidy"]),
        yn(cons["central_funding"]),
    ]
    return cells


def region(rng: random.Random, prefix: str, districts: list[str], year: int, growth: float) -> dict[str, Any]:
    population = rng.randint(400_000, 600_000)
    slots = int(population / 1000 * growth)
    subs = []
    for k, name in enumerate(districts):
        pop = rng.randint(20_000, 90_000)
        subs.append(
            {
                "id": f"{prefix}-S{k + 1:02d}",
                "name": name,
                "level": "county" if "区" in name[-1:] or "县" in name[-1:] or "市" in name[-1:] else "township",
                "population": pop,
                "total_slots": int(pop / 1000 * rng.uniform(growth - 0.6, growth + 0.4)),
                "public_institutions": rng.randint(0, 3),
                "employer_institutions": rng.randint(0, 2),
                "comprehensive_centers": rng.randint(0, 1),
                "inclusive_slots": rng.randint(50, 300),
            }
        )
    return {
        "id": f"{prefix}-{year}",
        "kind": "region",
        "name": "全域",
        "level": "county",
        "year": year,
        "population": population,
        "total_slots": slots,
        "inclusive_slots": int(slots * rng.uniform(0.35, 0.6)),
        "new_slots": rng.randint(300, 800),
        "institutions": rng.randint(40, 120),
        "public_institutions": rng.randint(3, 15),
        "employer_institutions": rng.randint(1, 8),
        "comprehensive_centers": rng.randint(0, 2),
        "four_star_institutions": rng.randint(1, 5),
        "institutions_registered": 100,
        "institutions_filed": rng.randint(65, 95),
        "staff_total": 1000,
        "staff_trained": rng.randint(700, 950),
        "staff_certified": rng.randint(700, 950),
        "urban_communities": 100,
        "urban_communities_with_childcare": rng.randint(40, 70),
        "townships": len(subs),
        "townships_with_inclusive_center": rng.randint(len(subs) - 2, len(subs)),
        "kindergartens": 100,
        "kindergartens_with_childcare": rng.randint(55, 80),
        "newborn_families": 5000,
        "newborn_families_reached": rng.randint(2000, 3500),
        "subregions": subs,
    }


def main() -> None:
    from openpyxl import Workbook

    for policy, (prefix, districts, first_year) in PLACES.items():
        rng = random.Random(f"tuoyu-{policy}")
        folder = HERE / policy
        folder.mkdir(exist_ok=True)
        records = [institution(rng, prefix, districts, i) for i in range(1, 31)]
        with open(folder / "institutions.csv", "w", encoding="gb18030", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER_ZH)
            writer.writerows(csv_row(r) for r in records)
        with open(folder / "institutions.jsonl", "w", encoding="utf-8") as fh:
            for r in records:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        book = Workbook()
        main_sheet = book.active
        main_sheet.title = "机构"
        main_sheet.append([h for h in HEADER_ZH if not h.startswith(("乳儿班", "托小班", "托大班"))])
        for r in records:
            row = csv_row(r)
            main_sheet.append(
                [v for h, v in zip(HEADER_ZH, row, strict=True) if not h.startswith(("乳儿班", "托小班", "托大班"))]
            )
        classes = book.create_sheet("班级")
        classes.append(["机构编号", "type", "enrolled", "caregivers"])
        staff = book.create_sheet("人员")
        staff.append(
            ["机构编号", "role", "education", "related_major", "management_years", "trained", "certificates", "banned"]
        )
        for r in records:
            for c in r["classes"]:
                classes.append([r["id"], CLASS_ZH[c["type"]], c["enrolled"], c["caregivers"]])
            for s in r["staff"]:
                staff.append(
                    [
                        r["id"],
                        s["role"],
                        s.get("education"),
                        yn(s.get("related_major")),
                        s.get("management_years"),
                        yn(s.get("trained")),
                        ";".join(s["certificates"])
                        if s.get("certificates")
                        else ("无" if "certificates" in s else None),
                        yn(s.get("banned")),
                    ]
                )
        book.save(folder / "institutions.xlsx")
        with open(folder / "regions.jsonl", "w", encoding="utf-8") as fh:
            for k, year in enumerate(range(first_year, first_year + 3)):
                fh.write(json.dumps(region(rng, prefix, districts, year, 3.0 + 0.8 * k), ensure_ascii=False) + "\n")
        with open(folder / "residential_areas.csv", "w", encoding="gb18030", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["居住区编号", "名称", "记录类型", "状态", "人口", "规划托位数"])
            for k in range(1, 11):
                status = "新建" if k % 2 else "已建成"
                pop = rng.randint(2000, 12000)
                need = -(-pop * (10 if k % 2 else 8) // 1000)
                writer.writerow(
                    [
                        f"{prefix}-RA{k:02d}",
                        f"{rng.choice(districts)}{k}号小区",
                        "居住区",
                        status,
                        pop,
                        need - (1 if k % 3 == 0 else 0),
                    ]
                )


if __name__ == "__main__":
    main()
