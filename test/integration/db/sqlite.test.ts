import { defineSqlConformance } from '../../conformance/sql.suite.js';

defineSqlConformance('sqlite');
