import { defineSqlConformance } from '../../conformance/sql.suite.js';

defineSqlConformance('postgresql');
