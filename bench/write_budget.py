"""Time the write of a 1e6-nonzero run: old hand-written workbook, new xlsxwriter one, report."""
import importlib.util, sys, tempfile, time
from pathlib import Path
from allocator.data.inputs import load_inputs
from allocator.pipeline import solve_inputs, tables_of, sheets_of
from allocator.report import write as w
from allocator.report.html import write_report, assumptions_of
t=time.perf_counter(); inp=load_inputs(sys.argv[1]); tl=time.perf_counter()-t
t=time.perf_counter(); sol,_=solve_inputs(inp,"jobs",targets="off"); ts=time.perf_counter()-t
t=time.perf_counter(); tables=tables_of(inp,sol); sheets=sheets_of(inp,sol,tables); tt=time.perf_counter()-t
cells=sum(f.size for f in sheets.values())
print(f"load {tl:.2f}s solve(all passes) {ts:.2f}s tables {tt:.2f}s; workbook cells {cells:,}")
spec=importlib.util.spec_from_file_location("oldxlsx","/tmp/h19base/src/allocator/report/xlsx.py"); old=importlib.util.module_from_spec(spec); spec.loader.exec_module(old)
with tempfile.TemporaryDirectory() as d:
    d=Path(d)
    t=time.perf_counter()
    for n,f in tables.items(): w.write_csv(f,d/f"{n}.csv")
    print(f"csv {time.perf_counter()-t:.2f}s")
    # old path: same sheet prep as the base commit's write_workbook
    t=time.perf_counter()
    sh=[]
    for name, frame in sheets.items():
        headers=[w._header(c) for c in frame.columns]; cols=[]; widths=[]
        for j,c in enumerate(frame.columns):
            vals=[w._cell(v) for v in frame[c].tolist()]; cols.append(vals); widths.append(12)
        sh.append((name,headers,cols,widths))
    old.write_xlsx(d/"old.xlsx", sh)
    print(f"old hand-written workbook (every cell) {time.perf_counter()-t:.2f}s")
    t=time.perf_counter(); w.write_workbook(sheets, d/"new.xlsx"); print(f"new xlsxwriter workbook (summaries above limit) {time.perf_counter()-t:.2f}s")
    from allocator.report import book
    book.SHEET_ROW_LIMIT=10**9
    t=time.perf_counter(); w.write_workbook(sheets, d/"full.xlsx"); print(f"xlsxwriter, every cell {time.perf_counter()-t:.2f}s")
    t=time.perf_counter(); write_report(d, tables, {"objective":{"value":sol.objective_value,"unit":"jobs","label":"jobs"}}, assumptions_of(inp)); print(f"report.html {time.perf_counter()-t:.2f}s")
