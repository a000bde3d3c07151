/** The web view: the single-file HTML report and the local what-if server. */
export { reportData, type ReportData, type ReportInput, type ReportOptions } from './report-data.js';
export { reportHtml } from './page.js';
export { planData, type PlanData } from './plan-data.js';
